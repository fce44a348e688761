using System.CommandLine;
using LocalHost;
using Microsoft.Extensions.Logging;

// dotnet run --project tools/LocalHost: builds ButtonFunctions (project reference) and serves it like `func start`.
var port = new Option<int>("--port", "-p")
{
    Description = "Port of the HTTP front end on 127.0.0.1 (0 = any free port).",
    DefaultValueFactory = _ => 7071,
};
var appDirectory = new Option<string?>("--app-directory")
{
    Description = "The function app's build output (default: ButtonFunctions/bin/<configuration>/net10.0 of this repository).",
};
var configuration = new Option<string?>("--configuration", "-c")
{
    Description = "Build configuration of the function app to run (default: the one LocalHost was built with).",
};
var credentialsDirectory = new Option<string?>("--credentials-dir")
{
    Description = "Where to write the local client credentials for the simulator (default: .localhost/ of this repository).",
};
var issuerPort = new Option<int>("--issuer-port")
{
    Description = "Port of the local token issuer on 127.0.0.1 when one is started (0 = any free port; 5055 falls back to any free port when taken).",
    DefaultValueFactory = _ => LocalStandIns.DefaultIssuerPort,
};
var metricsSummary = new Option<int>("--metrics-summary")
{
    Description = "Seconds between the one-line summaries of the worker's metrics printed while requests arrive (0 = off: the worker then exports no telemetry).",
    DefaultValueFactory = _ => 10,
};
metricsSummary.Validators.Add(result =>
{
    if (result.GetValueOrDefault<int>() is < 0 or > 3600)
    {
        result.AddError("--metrics-summary must be between 0 (off) and 3600 seconds.");
    }
});
var logLevel = new Option<LogLevel>("--log-level")
{
    Description = "Minimum level of LocalHost's and the worker's log lines.",
    DefaultValueFactory = _ => LogLevel.Information,
};

var root = new RootCommand("LocalHost: a local stand-in for the Azure Functions host that runs the real worker.")
{
    port, appDirectory, configuration, credentialsDirectory, issuerPort, metricsSummary, logLevel,
};
root.SetAction(async (parse, ct) =>
{
    using var loggerFactory = LoggerFactory.Create(logging => logging
        .SetMinimumLevel(parse.GetValue(logLevel))
        // The worker's ASP.NET Core logs every request at Information; keep its warnings and errors only.
        .AddFilter("Microsoft.AspNetCore", LogLevel.Warning)
        .AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss.fff ";
        }));

    var options = new FunctionsLocalHostOptions
    {
        AppDirectory = parse.GetValue(appDirectory) ?? FunctionsLocalHostOptions.FindAppDirectory(parse.GetValue(configuration)),
        Port = parse.GetValue(port),
        MetricsSummaryInterval = TimeSpan.FromSeconds(parse.GetValue(metricsSummary)),
    };

    // Before anything is started or written: a second LocalHost on a busy port must not disturb the first.
    if (options.Port != 0 && !LoopbackPort.IsFree(options.Port))
    {
        await Console.Error.WriteLineAsync(LoopbackPort.InUseMessage(options.Port));
        return 1;
    }

    // Local stand-ins for whatever the configuration leaves unset (MongoDB, Auth0).
    LocalStandIns standIns;
    try
    {
        standIns = await LocalStandIns.StartAsync(options, parse.GetValue(issuerPort), loggerFactory, Console.Out, ct);
    }
    catch (IOException ex)
    {
        await Console.Error.WriteLineAsync($"LocalHost could not start its local stand-ins: {ex.Message}");
        return 1;
    }

    await using var disposeStandIns = standIns;

    FunctionsLocalHost host;
    try
    {
        host = await FunctionsLocalHost.StartAsync(options, loggerFactory, ct);
    }
    catch (OperationCanceledException) when (ct.IsCancellationRequested)
    {
        return 130;
    }
    catch (IOException ex) when (LoopbackPort.IsAddressInUse(ex))
    {
        // Taken between the check above and the bind (or by another address family on the same port).
        await Console.Error.WriteLineAsync(LoopbackPort.InUseMessage(options.Port));
        return 1;
    }
    catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException or LocalHost.Worker.WorkerUnavailableException)
    {
        await Console.Error.WriteLineAsync($"LocalHost could not start: {ex.Message}");
        return 1;
    }

    await using (host)
    {
        var baseUrl = host.BaseAddress.AbsoluteUri.TrimEnd('/');
        standIns.WriteCredentials(host.BaseAddress, parse.GetValue(credentialsDirectory) ?? Path.Combine(FunctionsLocalHostOptions.FindRepositoryRoot(), ".localhost"));
        standIns.RegisterDashboard(host.BaseAddress);
        Console.WriteLine($"LocalHost ready: {baseUrl} (worker pid {host.WorkerProcessId})");
        Console.WriteLine($"  Open the dashboard: {baseUrl}/dashboard/");
        foreach (var function in host.Functions.Where(f => f.IsHttpTrigger))
        {
            var methods = function.Methods.Count == 0 ? "ANY" : string.Join(",", function.Methods);
            Console.WriteLine($"  {function.Name}: {methods} {baseUrl}/{function.RouteTemplate}");
        }

        await standIns.PrintClientAsync(Console.Out);

        try
        {
            await host.Completion.WaitAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Console.WriteLine("LocalHost stopping…");
            return 0;
        }
        catch (LocalHost.Worker.WorkerUnavailableException ex)
        {
            await Console.Error.WriteLineAsync($"LocalHost stopped: {ex.Message}");
            return 1;
        }
    }

    return 0;
});

return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(20) });
