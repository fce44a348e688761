using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using LocalHost;
using LocalIssuer;
using LocalMongo;
using MongoDB.Bson;
using MongoDB.Driver;

// Usage: dotnet run -c Release --project bench/ReadApiBench [-- --clicks 100000 --devices 200 --samples 200 --days 30 --mongodb <uri>]
// Seeds clicks (through the driver, in the stored shape) over the last --days days, starts the real worker under
// LocalHost with LocalIssuer tokens, and measures GET /api/clicks (first page, a deep page, one device) and
// GET /api/clicks/summary (24 h, 30 days) one request at a time: p50/p95/max of --samples requests each, after a
// warm-up. Without --mongodb the store is an in-process LocalMongo; with it, a real MongoDB / Cosmos DB
// (a fresh database is created and dropped). A measurement, not a test: it asserts nothing beyond 200s.
var settings = BenchSettings.Parse(args);
const string Audience = "https://buttonfunctions.local/api";
var secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
var issuerOptions = new LocalIssuerOptions { Audience = Audience };
issuerOptions.Clients.Add(new LocalIssuerClient("bench-reader", secret, ["read:clicks"]));
await using var issuer = await LocalIssuerServer.StartAsync(issuerOptions);
await using var localMongo = settings.MongoUri is null ? await LocalMongoServer.StartAsync() : null;
var connectionString = settings.MongoUri ?? localMongo!.ConnectionString;
var database = "readbench_" + Guid.NewGuid().ToString("N")[..8];
using var mongo = new MongoClient(connectionString);

var now = DateTimeOffset.UtcNow;
var seeding = Stopwatch.StartNew();
await Seed(mongo.GetDatabase(database).GetCollection<BsonDocument>("clicks"), settings, now);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"seeded {settings.Clicks:N0} clicks of {settings.Devices} devices over {settings.Days} days in {seeding.Elapsed.TotalSeconds:F1} s ({(localMongo is null ? "MongoDB at --mongodb" : "LocalMongo in process")})"));

try
{
    var options = new FunctionsLocalHostOptions { AppDirectory = FunctionsLocalHostOptions.FindAppDirectory("Release"), Port = 0 };
    options.Settings["Mongo__ConnectionString"] = connectionString;
    options.Settings["Mongo__Database"] = database;
    options.Settings["Auth0__Authority"] = issuer.Authority.AbsoluteUri;
    options.Settings["Auth0__Audience"] = Audience;
    options.Settings["Logging__LogLevel__Default"] = "Warning";
    options.Settings["AzureFunctionsJobHost__logging__logLevel__default"] = "Warning";
    await using var host = await FunctionsLocalHost.StartAsync(options);
    using var client = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await issuer.IssueTokenAsync("bench-reader", secret));

    // The start-up index build runs in the background; measure only once it is done, as in a running app.
    await WaitForIndexes(mongo.GetDatabase(database).GetCollection<BsonDocument>("clicks"));

    var deepCursor = await CursorAfter(client, pages: settings.DeepPages);
    var day = Iso(now.AddHours(-24));
    var month = Iso(now.AddDays(-30));
    var to = Iso(now);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"one request at a time, {settings.Samples} samples each after {settings.Warmup} warm-up requests (Release build, LocalHost → worker → store)"));
    Console.WriteLine($"  {"request",-58} {"p50 ms",8} {"p95 ms",8} {"max ms",8}  answer");
    await Measure(client, settings, "GET /api/clicks (first page, limit 50)", "api/clicks");
    await Measure(client, settings, $"GET /api/clicks (page {settings.DeepPages + 1}: {settings.DeepPages * 50:N0} clicks deep)", $"api/clicks?cursor={deepCursor}");
    await Measure(client, settings, "GET /api/clicks?deviceId= (one device, first page)", "api/clicks?deviceId=bench-007");
    await Measure(client, settings, "GET /api/clicks/summary (24 h, hourly)", $"api/clicks/summary?from={day}&to={to}");
    await Measure(client, settings, "GET /api/clicks/summary (30 days, daily)", $"api/clicks/summary?from={month}&to={to}");
}
finally
{
    await mongo.DropDatabaseAsync(database);
}

static string Iso(DateTimeOffset at) => Uri.EscapeDataString(at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));

// Clicks spread evenly over the period, devices round-robin, every classic click with a battery reading.
static async Task Seed(IMongoCollection<BsonDocument> clicks, BenchSettings settings, DateTimeOffset now)
{
    string[] types = ["SINGLE", "SINGLE", "DOUBLE", "LONG"];
    var start = now.AddDays(-settings.Days).ToUnixTimeMilliseconds();
    var step = (double)(now.ToUnixTimeMilliseconds() - start) / settings.Clicks;
    const int Batch = 10_000;
    for (var offset = 0; offset < settings.Clicks; offset += Batch)
    {
        var batch = Enumerable.Range(offset, Math.Min(Batch, settings.Clicks - offset)).Select(i =>
        {
            var at = new BsonDateTime(start + (long)(i * step));
            var device = i % settings.Devices;
            var doc = new BsonDocument
            {
                { "_id", Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(i))) },
                { "deviceId", $"bench-{device:D3}" },
                { "clickType", types[i % types.Length] },
                { "occurredAt", at },
                { "receivedAt", new BsonDateTime(at.MillisecondsSinceEpoch + 150) },
            };
            if (device % 4 == 0)
            {
                doc.Add("source", "iot-1click");
                doc.Add("remainingLife", 100.0 - (i * 100.0 / settings.Clicks));
            }
            else
            {
                doc.Add("source", "iot-button");
                doc.Add("batteryMillivolts", 1750 - (i * 400 / settings.Clicks));
            }

            return doc;
        });
        await clicks.InsertManyAsync(batch, new InsertManyOptions { IsOrdered = false });
    }
}

static async Task WaitForIndexes(IMongoCollection<BsonDocument> clicks)
{
    var deadline = DateTime.UtcNow.AddSeconds(60);
    while (DateTime.UtcNow < deadline)
    {
        var names = (await (await clicks.Indexes.ListAsync()).ToListAsync()).Select(i => i["key"].AsBsonDocument.ElementCount).ToList();
        if (names.Count >= 3)
        {
            return;
        }

        await Task.Delay(100);
    }

    throw new TimeoutException("The app did not create its indexes within 60 s.");
}

static async Task<string> CursorAfter(HttpClient client, int pages)
{
    string? cursor = null;
    for (var i = 0; i < pages; i++)
    {
        using var response = await client.GetAsync(cursor is null ? "api/clicks" : $"api/clicks?cursor={cursor}");
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        cursor = body.RootElement.GetProperty("nextCursor").GetString() ?? throw new InvalidOperationException($"fewer than {pages} pages");
    }

    return cursor!;
}

static async Task Measure(HttpClient client, BenchSettings settings, string name, string path)
{
    var times = new List<double>(settings.Samples);
    var size = 0L;
    for (var i = 0; i < settings.Warmup + settings.Samples; i++)
    {
        var watch = Stopwatch.StartNew();
        using var response = await client.GetAsync(path);
        var body = await response.Content.ReadAsByteArrayAsync();
        watch.Stop();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"{name}: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(body)}");
        }

        if (i >= settings.Warmup)
        {
            times.Add(watch.Elapsed.TotalMilliseconds);
            size = body.Length;
        }
    }

    times.Sort();
    double Percentile(double p) => times[(int)Math.Ceiling(p * times.Count) - 1];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  {name,-58} {Percentile(0.50),8:F1} {Percentile(0.95),8:F1} {times[^1],8:F1}  {size / 1024.0:F1} KiB"));
}

internal sealed record BenchSettings(int Clicks, int Devices, int Days, int Samples, int Warmup, int DeepPages, string? MongoUri)
{
    public static BenchSettings Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            values[args[i]] = args[i + 1];
        }

        int Int(string name, int fallback) => values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        return new BenchSettings(
            Int("--clicks", 100_000), Int("--devices", 200), Int("--days", 30), Int("--samples", 200), Int("--warmup", 20),
            Int("--deep-pages", 200), values.GetValueOrDefault("--mongodb"));
    }
}
