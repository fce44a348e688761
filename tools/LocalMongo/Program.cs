using System.Globalization;
using System.Runtime.InteropServices;
using LocalMongo;
using Microsoft.Extensions.Logging;

// dotnet run --project tools/LocalMongo -- [--port 27017]
var port = 27017;
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--port" && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is >= 0 and <= 65535)
    {
        port = p;
        i++;
    }
    else
    {
        await Console.Error.WriteLineAsync("usage: LocalMongo [--port <0-65535>]   (default 27017; 0 = any free port)");
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
    server = await LocalMongoServer.StartAsync(port, loggerFactory.CreateLogger("LocalMongo"));
}
catch (System.Net.Sockets.SocketException e)
{
    await Console.Error.WriteLineAsync($"LocalMongo could not listen on 127.0.0.1:{port}: {e.Message}");
    return 1;
}

await using (server)
{
    Console.WriteLine("LocalMongo — a local in-memory stand-in for MongoDB / Cosmos DB for MongoDB.");
    Console.WriteLine("It is NOT a database: it implements only what ButtonFunctions uses, and all data is lost on exit.");
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
