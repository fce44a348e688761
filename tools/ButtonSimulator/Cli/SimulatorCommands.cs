using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ButtonSimulator.Delivery;
using ButtonSimulator.ErrorAction;
using ButtonSimulator.Load;
using ButtonSimulator.Payloads;
using ButtonSimulator.Tokens;
using Spectre.Console;

namespace ButtonSimulator.Cli;

/// <summary>
/// The console front end: parses options, wires the delivery pieces, shows progress and summaries. Results go
/// to stdout, errors to stderr as one line that says what to do, with a non-zero exit code (<see cref="ExitCodes"/>).
/// </summary>
internal static class SimulatorCommands
{
    private const string Replay = "dotnet run --project tools/ButtonSimulator -- replay";

    /// <summary>After Ctrl+C, how long requests in flight may still finish before they are written to the error action.</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    private static readonly Option<string?> Url = new("--url") { Description = $"Ingest endpoint [env BUTTONS_URL; else the credentials file; default {ConnectionSettings.DefaultUrl}]", Recursive = true };
    private static readonly Option<string?> Authority = new("--authority") { Description = $"Token issuer: Auth0 https://<tenant>/ or LocalIssuer [env BUTTONS_AUTHORITY; else the credentials file; default {ConnectionSettings.DefaultAuthority}]", Recursive = true };
    private static readonly Option<string?> TokenUrl = new("--token-url") { Description = "Token endpoint [env BUTTONS_TOKEN_URL; default <authority>oauth/token]", Recursive = true };
    private static readonly Option<string?> ClientId = new("--client-id") { Description = "Client-credentials client id [env BUTTONS_CLIENT_ID; else the credentials file]", Recursive = true };
    private static readonly Option<string?> ClientSecret = new("--client-secret") { Description = "Client-credentials client secret [env BUTTONS_CLIENT_SECRET; else the credentials file]", Recursive = true };
    private static readonly Option<string?> Audience = new("--audience") { Description = $"API audience [env BUTTONS_AUDIENCE; else the credentials file; default {ConnectionSettings.DefaultAudience}]", Recursive = true };
    private static readonly Option<string> ErrorsDir = new("--errors-dir") { Description = "Where failed messages are written as error-action records, one JSON file each", DefaultValueFactory = _ => Path.Combine(".localhost", "errors"), Recursive = true };
    private static readonly Option<string> RuleName = new("--rule-name") { Description = "ruleName written into error-action records (the template's RuleName)", DefaultValueFactory = _ => "button_clicks_to_azure", Recursive = true };

    public static RootCommand Build(SimulatorConsole console)
    {
        var root = new RootCommand(
            "Behaves like the AWS IoT topic rule's HTTPS action: clicks, load, destination confirmation, replay of error-action records, and tokens. " +
            $"Without --client-id/--client-secret (or BUTTONS_CLIENT_ID/BUTTONS_CLIENT_SECRET) it reads the URL, issuer and client from the file a running LocalHost (or standalone LocalIssuer) writes into {ConnectionSettings.CredentialsDirectoryName}/ (searched from the current folder upwards; the live run whose URL matches --url, else the only one, else the one on port 7071), or from the file named by BUTTONS_CREDENTIALS_FILE. " +
            "Exit codes: 0 done, 1 something not delivered (or a bad command line), 2 cannot start (credentials, issuer, function unreachable, settings outside AWS's limits), 130 stopped with Ctrl+C.")
        {
            Url, Authority, TokenUrl, ClientId, ClientSecret, Audience, ErrorsDir, RuleName,
        };
        root.Add(ClickCommand(console));
        root.Add(RunCommand(console));
        root.Add(ConfirmCommand(console));
        root.Add(ReplayCommand(console));
        root.Add(TokenCommand(console));
        return root;
    }

    /// <summary>Parses and runs one command line; <paramref name="handleTermination"/> lets Ctrl+C/SIGTERM stop it gracefully (the program, not tests).</summary>
    public static Task<int> InvokeAsync(string[] args, SimulatorConsole console, bool handleTermination = false, CancellationToken ct = default) =>
        Build(console).Parse(args).InvokeAsync(
            new InvocationConfiguration
            {
                Output = console.Out,
                Error = console.Error,
                // Long enough for the grace period plus writing the error-action records.
                ProcessTerminationTimeout = handleTermination ? StopGrace + TimeSpan.FromSeconds(15) : null,
            },
            ct);

    private static Option<ButtonShape> ShapeOption() => new("--shape")
    {
        Description = "Payload shape: classic (AWS IoT Button), oneclick (AWS IoT 1-Click), mqtt (generic MQTT button)",
        DefaultValueFactory = _ => ButtonShape.Classic,
        CustomParser = r => r.Tokens.Count == 1 && Enum.TryParse<ButtonShape>(r.Tokens[0].Value, ignoreCase: true, out var s) ? s : Fail<ButtonShape>(r, "expected classic, oneclick or mqtt"),
    };

    private static T Fail<T>(System.CommandLine.Parsing.ArgumentResult result, string message)
    {
        result.AddError(message);
        return default!;
    }

    private static Command ClickCommand(SimulatorConsole console)
    {
        var shape = ShapeOption();
        var device = new Option<string>("--device") { Description = "Device id / serial number", DefaultValueFactory = _ => "G030JF055364XVRB" };
        var type = new Option<ClickType>("--type")
        {
            Description = "SINGLE, DOUBLE or LONG",
            DefaultValueFactory = _ => ClickType.Single,
            CustomParser = r => r.Tokens.Count == 1 && Enum.TryParse<ClickType>(r.Tokens[0].Value, ignoreCase: true, out var t) ? t : Fail<ClickType>(r, "expected SINGLE, DOUBLE or LONG"),
        };
        var enriched = new Option<bool>("--enriched") { Description = "Add topic, receivedAtMs and traceId like the rule SQL", DefaultValueFactory = _ => true };
        var command = new Command("click", "Send one click") { shape, device, type, enriched };
        command.SetAction(Guarded(console, async (parse, ct) =>
        {
            using var session = Session.Open(parse, console);
            if (session is null)
            {
                return ExitCodes.CannotStart;
            }

            await session.Tokens.GetTokenAsync(ct);
            var message = ClickPayloads.Click(parse.GetValue(shape), parse.GetValue(device)!, parse.GetValue(type), DateTimeOffset.UtcNow, parse.GetValue(enriched));
            var report = await session.Sender.SendAsync([message], asBatch: false, ct);
            var tries = report.Attempts == 1 ? "try" : "tries";
            console.Line(string.Create(CultureInfo.InvariantCulture, $"{report.Outcome} {(report.Last.Kind == AttemptKind.Status ? $"HTTP {report.Last.StatusCode}" : report.Last.Describe())} after {report.Attempts} {tries} in {report.Latency.TotalMilliseconds:F0} ms (trace id {message.TraceId})"));
            if (!string.IsNullOrWhiteSpace(report.Last.Body) && report.Last.Kind == AttemptKind.Status)
            {
                console.Line(report.Last.Body);
            }

            console.Line(string.Create(CultureInfo.InvariantCulture, $"token requests: {session.Tokens.TokenRequests}"));
            if (report.Outcome is DeliveryOutcome.Accepted or DeliveryOutcome.Duplicate)
            {
                return ExitCodes.Ok;
            }

            console.Fail($"the click was not accepted ({report.Last.Describe()}); its error-action record is in {session.ErrorsDirectory}: once the function accepts clicks, run: {Replay} {session.ErrorsDirectory}");
            return report.Outcome == DeliveryOutcome.Interrupted ? ExitCodes.Interrupted : ExitCodes.NotDelivered;
        }));
        return command;
    }

    private static Command RunCommand(SimulatorConsole console)
    {
        var shape = ShapeOption();
        var buttons = new Option<int>("--buttons") { Description = "Simulated buttons (each publishes to its own topic iotbutton/<serial>)", DefaultValueFactory = _ => 20 };
        var rate = new Option<double>("--rate") { Description = "Clicks per second per button", DefaultValueFactory = _ => 1.0 };
        var totalRate = new Option<double?>("--total-rate") { Description = "Clicks per second over all buttons (overrides --rate)" };
        var duration = new Option<double>("--duration") { Description = "Seconds to run", DefaultValueFactory = _ => 30 };
        var batch = new Option<bool>("--batch") { Description = "Batch messages like the HTTP action's enableBatching (a batch closes at its window, its message count or its byte size, whichever comes first)" };
        var window = new Option<int>("--batch-window-ms") { Description = $"maxBatchOpenMs, {BatchSettings.MinWindowMs}-{BatchSettings.MaxWindowMs}", DefaultValueFactory = _ => 20 };
        var maxMessages = new Option<int>("--batch-max-messages") { Description = $"maxBatchSize, {BatchSettings.MinMessages}-{BatchSettings.MaxMessagesLimit} messages", DefaultValueFactory = _ => 10 };
        var maxBytes = new Option<int>("--batch-max-bytes") { Description = $"maxBatchSizeBytes, {BatchSettings.MinBytes}-{BatchSettings.MaxBytesLimit}", DefaultValueFactory = _ => 5120 };
        var acrossTopics = new Option<bool>("--batch-across-topics") { Description = "batchAcrossTopics: one batch may mix buttons' topics (as the template sets it); false batches each topic on its own", DefaultValueFactory = _ => true };
        var noLive = new Option<bool>("--no-live") { Description = "Plain progress lines instead of the live display (automatic when output is redirected or TERM is dumb or unset)" };
        var command = new Command("run", "Simulate many buttons clicking at a rate for a while, with a live display and a summary")
        {
            shape, buttons, rate, totalRate, duration, batch, window, maxMessages, maxBytes, acrossTopics, noLive,
        };
        command.SetAction(Guarded(console, async (parse, ct) =>
        {
            var n = parse.GetValue(buttons);
            var perButton = parse.GetValue(totalRate) is { } total ? total / Math.Max(n, 1) : parse.GetValue(rate);
            var seconds = parse.GetValue(duration);
            if (n < 1 || !(perButton > 0) || !(seconds > 0) || double.IsInfinity(perButton) || double.IsInfinity(seconds))
            {
                console.Fail("--buttons must be at least 1 and --rate/--total-rate and --duration above 0");
                return ExitCodes.CannotStart;
            }

            BatchSettings? batching = null;
            if (parse.GetValue(batch))
            {
                batching = new BatchSettings(parse.GetValue(window), parse.GetValue(maxMessages), parse.GetValue(maxBytes), parse.GetValue(acrossTopics));
                try
                {
                    batching.Validate();
                }
                catch (ArgumentOutOfRangeException e)
                {
                    console.Fail($"{e.Message.Split(Environment.NewLine)[0]}: that is AWS's limit for batchConfig");
                    return ExitCodes.CannotStart;
                }
            }

            using var session = Session.Open(parse, console);
            if (session is null)
            {
                return ExitCodes.CannotStart;
            }

            // One token before the first click: a wrong client id fails here, not as a run of error records.
            await session.Tokens.GetTokenAsync(ct);
            var settings = new LoadSettings(n, perButton, TimeSpan.FromSeconds(seconds), parse.GetValue(shape), batching);
            var runner = new LoadRunner(session.Sender, settings, TimeProvider.System);
            var batchText = batching is null ? "" : string.Create(CultureInfo.InvariantCulture,
                $" (batches ≤{batching.MaxMessages} msgs, ≤{batching.MaxBytes} B, {batching.WindowMs} ms window, {(batching.AcrossTopics ? "across topics" : "per topic")})");
            console.Line(string.Create(CultureInfo.InvariantCulture, $"{n} buttons × {perButton:0.###} clicks/s for {settings.Duration.TotalSeconds:0.###} s → {session.Sender.Url}{batchText}"));

            using var abort = new CancellationTokenSource();
            using var onStop = ct.Register(() =>
            {
                console.Warn(string.Create(CultureInfo.InvariantCulture, $"stopping: no new clicks; requests in flight get {StopGrace.TotalSeconds:0} s, then go to the error action"));
                abort.CancelAfter(StopGrace);
            });
            var run = runner.RunAsync(ct, abort.Token);
            var live = console.LiveCapable && !parse.GetValue(noLive) && await TryLiveAsync(console, run, runner, session);
            if (!live)
            {
                await PlainProgressAsync(console, run, runner, session);
            }

            var summary = await run;
            if (!live)
            {
                console.Line("summary");
                foreach (var (label, value) in Rows(runner.Statistics, session, summary))
                {
                    console.Line($"  {label,-34} {value}");
                }
            }

            var stats = summary.Statistics;
            if (stats.FailedToErrorAction > 0)
            {
                console.Fail(string.Create(CultureInfo.InvariantCulture,
                    $"{stats.FailedToErrorAction} message(s) not delivered; their error-action records are in {session.ErrorsDirectory}: once the function accepts clicks, run: {Replay} {session.ErrorsDirectory}"));
            }

            return summary.Stopped ? ExitCodes.Interrupted : stats.FailedToErrorAction == 0 ? ExitCodes.Ok : ExitCodes.NotDelivered;
        }));
        return command;
    }

    /// <summary>The live table until the run ends; false (the run going on regardless) if the terminal cannot take it.</summary>
    private static async Task<bool> TryLiveAsync(SimulatorConsole console, Task<LoadSummary> run, LoadRunner runner, Session session)
    {
        try
        {
            await console.Rich().Live(StatisticsTable(runner.Statistics, session, null)).StartAsync(async live =>
            {
                while (!run.IsCompleted)
                {
                    await Task.WhenAny(run, Task.Delay(250, CancellationToken.None));
                    live.UpdateTarget(StatisticsTable(runner.Statistics, session, null));
                }

                live.UpdateTarget(StatisticsTable(runner.Statistics, session, await run));
            });
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException && !run.IsFaulted)
        {
            // The display is a convenience; the run and its accounting must survive any terminal.
            console.Warn($"the live display failed ({e.GetType().Name}); continuing with plain output (--no-live avoids it)");
            return false;
        }
    }

    private static async Task PlainProgressAsync(SimulatorConsole console, Task<LoadSummary> run, LoadRunner runner, Session session)
    {
        var started = DateTimeOffset.UtcNow;
        while (!run.IsCompleted)
        {
            await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None));
            if (!run.IsCompleted)
            {
                var s = runner.Statistics;
                console.Line(string.Create(CultureInfo.InvariantCulture,
                    $"{(DateTimeOffset.UtcNow - started).TotalSeconds:0} s: sent {s.Sent}, requests {s.Requests}, accepted {s.Accepted}, duplicates {s.Duplicates}, failed {s.FailedToErrorAction}, token requests {session.Tokens.TokenRequests}"));
            }
        }
    }

    private static Command ConfirmCommand(SimulatorConsole console)
    {
        var arn = new Option<string>("--arn") { Description = "Destination ARN (default: a made-up one)", DefaultValueFactory = _ => $"arn:aws:iot:us-east-1:123456789012:ruledestination/http/{Guid.NewGuid()}" };
        var token = new Option<string>("--confirmation-token") { Description = "Confirmation token (default: a made-up one)", DefaultValueFactory = _ => "AYADe" + Guid.NewGuid().ToString("N") };
        var command = new Command("confirm", "Send a DestinationConfirmation request exactly as AWS IoT does when a topic rule destination is created, and print the next step") { arn, token };
        command.SetAction(Guarded(console, async (parse, ct) =>
        {
            var settings = Settings(parse);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var confirmation = DestinationConfirmation.Create(parse.GetValue(arn)!, parse.GetValue(token)!);
            using var request = confirmation.ToRequest(settings.Url);
            console.Line($"POST {request.RequestUri} (destination {confirmation.Arn})");
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, ct);
            }
            catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !ct.IsCancellationRequested))
            {
                console.Fail($"cannot reach {settings.Url} ({e.Message}): start the function (dotnet run --project tools/LocalHost) or pass --url");
                return ExitCodes.CannotStart;
            }

            using var _ = response;
            var body = await response.Content.ReadAsStringAsync(ct);
            console.Line(string.Create(CultureInfo.InvariantCulture, $"HTTP {(int)response.StatusCode}"));
            console.Line(body);
            if (!response.IsSuccessStatusCode)
            {
                console.Fail(string.Create(CultureInfo.InvariantCulture, $"the function answered HTTP {(int)response.StatusCode} to the confirmation (see the body above and the function's log)"));
                return ExitCodes.NotDelivered;
            }

            var (outcome, command) = ReadConfirmationAnswer(body);
            console.Line("next: " + DestinationNextStep.After(outcome, confirmation.Arn, command));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static (string? Outcome, string? Command) ReadConfirmationAnswer(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            return root.ValueKind != JsonValueKind.Object
                ? (null, null)
                : (root.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null,
                   root.TryGetProperty("command", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private static Command TokenCommand(SimulatorConsole console)
    {
        var command = new Command("token", "Print an access token from the configured issuer, and nothing else, on stdout (for curl: TOKEN=$(... token))");
        command.SetAction(Guarded(console, async (parse, ct) =>
        {
            using var session = Session.Open(parse, console, withErrorAction: false);
            if (session is null)
            {
                return ExitCodes.CannotStart;
            }

            // stdout carries the token alone so it can be captured; it is the user's own, asked for explicitly.
            console.Line(await session.Tokens.GetTokenAsync(ct));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command ReplayCommand(SimulatorConsole console)
    {
        var paths = new Argument<string[]>("paths") { Description = "Error-action record files or folders (searched recursively; one record per file, a JSON array, or JSON lines; unbatched or batched shape)", Arity = ArgumentArity.OneOrMore };
        var command = new Command("replay", "Re-post the original payloads of error-action records with their topics and trace ids, so a click that was stored comes back as a duplicate") { paths };
        command.SetAction(Guarded(console, async (parse, ct) =>
        {
            var given = parse.GetValue(paths)!;
            var records = ErrorActionReader.Read(given).ToList();
            if (records.Count == 0)
            {
                // A fresh setup has no error folder yet: nothing has failed, which is not an error.
                console.Line($"nothing to replay in {string.Join(", ", given)}");
                return ExitCodes.Ok;
            }

            using var session = Session.Open(parse, console, withErrorAction: false);
            if (session is null)
            {
                return ExitCodes.CannotStart;
            }

            await session.Tokens.GetTokenAsync(ct);
            var summary = await new Replayer(session.Sender).ReplayAsync(records, null, ct);
            var skipped = summary.Skipped > 0 ? string.Create(CultureInfo.InvariantCulture, $", skipped {summary.Skipped} (not named in failures[].affectedIds)") : "";
            console.Line(string.Create(CultureInfo.InvariantCulture, $"replayed {summary.Replayed}, duplicate {summary.Duplicate}, failed {summary.Failed}{skipped} ({records.Count} record(s))"));
            console.Line(string.Create(CultureInfo.InvariantCulture, $"token requests: {session.Tokens.TokenRequests}"));
            foreach (var problem in summary.Problems)
            {
                console.Error.WriteLine("problem: " + problem);
            }

            if (summary.Interrupted)
            {
                console.Fail($"interrupted before every record was replayed: run the same replay again ({Replay} {string.Join(' ', given)}); what was replayed comes back as duplicates");
                return ExitCodes.Interrupted;
            }

            if (summary.Failed > 0)
            {
                console.Fail(string.Create(CultureInfo.InvariantCulture, $"{summary.Failed} message(s) not replayed (problems above): fix their cause and run the same replay again; what was replayed comes back as duplicates"));
                return ExitCodes.NotDelivered;
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Turns an unusable issuer or folder into one readable line and exit code 2 instead of a stack trace.</summary>
    private static Func<ParseResult, CancellationToken, Task<int>> Guarded(SimulatorConsole console, Func<ParseResult, CancellationToken, Task<int>> action) => async (parse, ct) =>
    {
        try
        {
            return await action(parse, ct);
        }
        catch (TokenRequestException e)
        {
            console.Fail(e.Message);
            return ExitCodes.CannotStart;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            console.Fail($"{e.Message}: check the path and its permissions (--errors-dir, replay paths)");
            return ExitCodes.CannotStart;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            console.Fail("interrupted before anything was sent");
            return ExitCodes.Interrupted;
        }
    };

    private static IEnumerable<(string Label, string Value)> Rows(DeliveryStatistics s, Session session, LoadSummary? done)
    {
        static string N(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
        yield return ("sent (messages)", N(s.Sent));
        yield return ("requests", N(s.Requests));
        yield return ("accepted (stored)", N(s.Accepted));
        yield return ("duplicates", N(s.Duplicates));
        yield return ("rejected (final 4xx)", N(s.Rejected));
        yield return ("retried (tries after the first)", N(s.Retried));
        yield return ("failed → error action", N(s.FailedToErrorAction));
        if (s.Interrupted > 0)
        {
            yield return ("interrupted (Ctrl+C) → error action", N(s.Interrupted));
        }

        yield return ("token requests", N(session.Tokens.TokenRequests));
        yield return ("latency p50 / p90 / p99 ms", $"{N(s.LatencyPercentile(50))} / {N(s.LatencyPercentile(90))} / {N(s.LatencyPercentile(99))}");
        if (done is not null)
        {
            yield return ("achieved rate", $"{N(done.AchievedClicksPerSecond)} clicks/s over {N(done.Elapsed.TotalSeconds)} s{(done.Stopped ? " (stopped early)" : "")}");
            if (session.ErrorAction is { Written: > 0 } folder)
            {
                yield return ("error-action records written", N(folder.Written) + " in " + folder.Directory);
            }
        }
    }

    private static Table StatisticsTable(DeliveryStatistics s, Session session, LoadSummary? done)
    {
        var table = new Table().Title(done is null ? "running…" : "summary").AddColumn("").AddColumn(new TableColumn("").RightAligned()).HideHeaders();
        foreach (var (label, value) in Rows(s, session, done))
        {
            table.AddRow(Markup.Escape(label), Markup.Escape(value));
        }

        return table;
    }

    private static ConnectionSettings Settings(ParseResult parse) => ConnectionSettings.Resolve(
        parse.GetValue(Url), parse.GetValue(Authority), parse.GetValue(TokenUrl), parse.GetValue(ClientId), parse.GetValue(ClientSecret), parse.GetValue(Audience),
        Environment.GetEnvironmentVariable, Directory.GetCurrentDirectory());

    /// <summary>One HTTP client, token cache and sender per command.</summary>
    private sealed class Session : IDisposable
    {
        private readonly HttpClient _http;

        private Session(HttpClient http, ClientCredentialsTokenCache tokens, HttpActionSender sender, ErrorActionFolder? errorAction, string errorsDirectory)
        {
            _http = http;
            Tokens = tokens;
            Sender = sender;
            ErrorAction = errorAction;
            ErrorsDirectory = errorsDirectory;
        }

        public ClientCredentialsTokenCache Tokens { get; }

        public HttpActionSender Sender { get; }

        public ErrorActionFolder? ErrorAction { get; }

        public string ErrorsDirectory { get; }

        public static Session? Open(ParseResult parse, SimulatorConsole console, bool withErrorAction = true)
        {
            var settings = Settings(parse);
            var endpoint = settings.TokenEndpoint(out var problem);
            if (endpoint is null)
            {
                console.Fail(problem!);
                return null;
            }

            // Timeouts are per try (AwsRetryPolicy), not per client.
            var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan };
            var tokens = new ClientCredentialsTokenCache(http, endpoint, TimeProvider.System);
            var errorsDirectory = parse.GetValue(ErrorsDir)!;
            var errorAction = withErrorAction ? new ErrorActionFolder(errorsDirectory) : null;
            var sender = new HttpActionSender(http, settings.Url, tokens, TimeProvider.System, AwsRetryPolicy.Aws, errorAction, parse.GetValue(RuleName)!);
            return new Session(http, tokens, sender, errorAction, errorsDirectory);
        }

        public void Dispose()
        {
            Tokens.Dispose();
            _http.Dispose();
        }
    }
}
