using System.Globalization;
using System.Runtime.InteropServices;
using LocalMongo;
using Microsoft.Extensions.Logging;

// dotnet run --project tools/LocalMongo -- [--port 27017] [--no-fail-points] [--max-wire-version 21]
var options = new LocalMongoServerOptions { Port = 27017 };
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--port" && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is >= 0 and <= 65535)
    {
        options.Port = p;
        i++;
    }
    else if (args[i] == "--no-fail-points")
    {
        options.FailPoints = false;
    }
    else if (args[i] == "--max-wire-version" && i + 1 < args.Length
        && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var w) && w is >= 0 and <= 100)
    {
        options.MaxWireVersion = w;
        i++;
    }
    else
    {
        await Console.Error.WriteLineAsync(
            "usage: LocalMongo [--port <0-65535>] [--no-fail-points] [--max-wire-version <0-100>]\n" +
            "  --port              default 27017; 0 = any free port\n" +
            "  --no-fail-points    configureFailPoint answers 'no such command' (59), as mongod without enableTestCommands\n" +
            "  --max-wire-version  advertised in the handshake (default 21 = MongoDB 7.0; 8 = MongoDB 4.2, which MongoDB.Driver 3.x refuses)");
        return 2;
    }
}

using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
{
    c.Cancel = true;
    stop.Cancel();
});

LocalMongoServer server;
try
{
    options.Logger = loggerFactory.CreateLogger("LocalMongo");
    server = await LocalMongoServer.StartAsync(options);
}
catch (System.Net.Sockets.SocketException e)
{
    await Console.Error.WriteLineAsync($"LocalMongo could not listen on 127.0.0.1:{options.Port}: {e.Message}");
    return 1;
}

await using (server)
{
    Console.WriteLine("LocalMongo — a local in-memory stand-in for MongoDB / Cosmos DB for MongoDB.");
    Console.WriteLine("It is NOT a database: it implements only what ButtonFunctions uses, and all data is lost on exit.");
    Console.WriteLine($"Advertises MongoDB {LocalMongoServerOptions.ServerVersionFor(options.MaxWireVersion)} (wire version {options.MaxWireVersion}); " +
        (options.FailPoints ? "failCommand fail points on." : "fail points off: configureFailPoint answers 'no such command'."));
    Console.WriteLine($"Connection string: {server.ConnectionString}");
    Console.WriteLine("Press Ctrl+C to stop.");
    try
    {
        await Task.Delay(Timeout.Infinite, stop.Token);
    }
    catch (OperationCanceledException)
    {
        Console.WriteLine("LocalMongo stopping; in-memory data discarded.");
    }
}

return 0;
