using System.CommandLine;
using System.Globalization;
using ButtonSimulator.Delivery;
using ButtonSimulator.ErrorAction;
using ButtonSimulator.Load;
using ButtonSimulator.Payloads;
using ButtonSimulator.Tokens;
using Spectre.Console;

namespace ButtonSimulator.Cli;

/// <summary>The console front end: parses options, wires the delivery pieces, shows progress and summaries.</summary>
internal static class SimulatorCommands
{
    private static readonly Option<string?> Url = new("--url") { Description = $"Ingest endpoint (default {ConnectionSettings.DefaultUrl})", Recursive = true };
    private static readonly Option<string?> Authority = new("--authority") { Description = $"Token issuer, Auth0 https://<domain>/ or LocalIssuer (default {ConnectionSettings.DefaultAuthority})", Recursive = true };
    private static readonly Option<string?> TokenUrl = new("--token-url") { Description = "Token endpoint (default <authority>oauth/token)", Recursive = true };
    private static readonly Option<string?> ClientId = new("--client-id") { Description = "Client-credentials client id", Recursive = true };
    private static readonly Option<string?> ClientSecret = new("--client-secret") { Description = "Client-credentials client secret", Recursive = true };
    private static readonly Option<string?> Audience = new("--audience") { Description = $"API audience (default {ConnectionSettings.DefaultAudience})", Recursive = true };
    private static readonly Option<string> ErrorsDir = new("--errors-dir") { Description = "Where failed messages are written as error-action records", DefaultValueFactory = _ => Path.Combine(".localhost", "errors"), Recursive = true };
    private static readonly Option<string> RuleName = new("--rule-name") { Description = "ruleName written into error-action records", DefaultValueFactory = _ => "button_clicks_to_azure", Recursive = true };

    public static RootCommand Build()
    {
        var root = new RootCommand("Behaves like the AWS IoT topic rule's HTTPS action: clicks, load, destination confirmation and replay of error-action records.")
        {
            Url, Authority, TokenUrl, ClientId, ClientSecret, Audience, ErrorsDir, RuleName,
        };
        root.Add(ClickCommand());
        root.Add(RunCommand());
        root.Add(ConfirmCommand());
        root.Add(ReplayCommand());
        root.Add(TokenCommand());
        return root;
    }

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

    private static Command ClickCommand()
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
        command.SetAction(Guarded(async (parse, ct) =>
        {
            using var session = Session.Open(parse);
            if (session is null)
            {
                return 2;
            }

            var message = ClickPayloads.Click(parse.GetValue(shape), parse.GetValue(device)!, parse.GetValue(type), DateTimeOffset.UtcNow, parse.GetValue(enriched));
            var report = await session.Sender.SendAsync([message], asBatch: false, ct);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[bold]{report.Outcome}[/] {(report.Last.Kind == AttemptKind.Status ? $"HTTP {report.Last.StatusCode}" : report.Last.Describe())} after {report.Attempts} tr{(report.Attempts == 1 ? "y" : "ies")} in {report.Latency.TotalMilliseconds:F0} ms (trace id {message.TraceId})");
            if (!string.IsNullOrWhiteSpace(report.Last.Body))
            {
                AnsiConsole.WriteLine(report.Last.Body);
            }

            PrintErrorAction(session);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"token requests: {session.Tokens.TokenRequests}");
            return report.Outcome is DeliveryOutcome.Accepted or DeliveryOutcome.Duplicate ? 0 : 1;
        }));
        return command;
    }

    private static Command RunCommand()
    {
        var shape = ShapeOption();
        var buttons = new Option<int>("--buttons") { Description = "Simulated buttons", DefaultValueFactory = _ => 20 };
        var rate = new Option<double>("--rate") { Description = "Clicks per second per button", DefaultValueFactory = _ => 1.0 };
        var totalRate = new Option<double?>("--total-rate") { Description = "Clicks per second over all buttons (overrides --rate)" };
        var duration = new Option<double>("--duration") { Description = "Seconds to run", DefaultValueFactory = _ => 30 };
        var batch = new Option<bool>("--batch") { Description = "Batch messages like the HTTP action's enableBatching" };
        var window = new Option<int>("--batch-window-ms") { Description = "Batch window, 5-200 ms", DefaultValueFactory = _ => 20 };
        var maxMessages = new Option<int>("--batch-max-messages") { Description = "Messages per batch, 2-10", DefaultValueFactory = _ => 10 };
        var maxBytes = new Option<int>("--batch-max-bytes") { Description = "Bytes per batch, up to 131072", DefaultValueFactory = _ => 5120 };
        var command = new Command("run", "Simulate many buttons clicking at a rate for a while, with a live display and a summary")
        {
            shape, buttons, rate, totalRate, duration, batch, window, maxMessages, maxBytes,
        };
        command.SetAction(Guarded(async (parse, ct) =>
        {
            using var session = Session.Open(parse);
            if (session is null)
            {
                return 2;
            }

            var n = parse.GetValue(buttons);
            var perButton = parse.GetValue(totalRate) is { } total ? total / n : parse.GetValue(rate);
            BatchSettings? batching = null;
            if (parse.GetValue(batch))
            {
                batching = new BatchSettings(parse.GetValue(window), parse.GetValue(maxMessages), parse.GetValue(maxBytes));
                try
                {
                    batching.Validate();
                }
                catch (ArgumentOutOfRangeException e)
                {
                    AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[red]{e.Message}[/]");
                    return 2;
                }
            }

            var settings = new LoadSettings(n, perButton, TimeSpan.FromSeconds(parse.GetValue(duration)), parse.GetValue(shape), batching);
            var runner = new LoadRunner(session.Sender, settings, TimeProvider.System);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"{n} buttons × {perButton:0.###} clicks/s for {settings.Duration.TotalSeconds:0} s → {session.Sender.Url}{(batching is null ? "" : $" (batches ≤{batching.MaxMessages} msgs, ≤{batching.MaxBytes} B, {batching.WindowMs} ms window)")}");
            LoadSummary? summary = null;
            await AnsiConsole.Live(StatisticsTable(runner.Statistics, session, null)).StartAsync(async live =>
            {
                var run = runner.RunAsync(ct);
                while (!run.IsCompleted)
                {
                    await Task.WhenAny(run, Task.Delay(250, CancellationToken.None));
                    live.UpdateTarget(StatisticsTable(runner.Statistics, session, null));
                }

                summary = await run;
                live.UpdateTarget(StatisticsTable(runner.Statistics, session, summary));
            });
            PrintErrorAction(session);
            var stats = summary!.Statistics;
            return stats.FailedToErrorAction == 0 ? 0 : 1;
        }));
        return command;
    }

    private static Command ConfirmCommand()
    {
        var arn = new Option<string>("--arn") { Description = "Destination ARN", DefaultValueFactory = _ => $"arn:aws:iot:us-east-1:123456789012:ruledestination/http/{Guid.NewGuid()}" };
        var token = new Option<string>("--confirmation-token") { Description = "Confirmation token", DefaultValueFactory = _ => "AYADe" + Guid.NewGuid().ToString("N") };
        var command = new Command("confirm", "Send a DestinationConfirmation request exactly as AWS IoT does when a topic rule destination is created") { arn, token };
        command.SetAction(async (parse, ct) =>
        {
            var settings = Settings(parse);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var confirmation = DestinationConfirmation.Create(parse.GetValue(arn)!, parse.GetValue(token)!);
            using var request = confirmation.ToRequest(settings.Url);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"POST {request.RequestUri} (destination {confirmation.Arn})");
            using var response = await http.SendAsync(request, ct);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"HTTP {(int)response.StatusCode}");
            AnsiConsole.WriteLine(await response.Content.ReadAsStringAsync(ct));
            return response.IsSuccessStatusCode ? 0 : 1;
        });
        return command;
    }

    private static Command TokenCommand()
    {
        var command = new Command("token", "Print an access token from the configured issuer (for curl: TOKEN=$(... token))");
        command.SetAction(Guarded(async (parse, ct) =>
        {
            using var session = Session.Open(parse, withErrorAction: false);
            if (session is null)
            {
                return 2;
            }

            // stdout carries the token alone so it can be captured; it is the user's own, asked for explicitly.
            Console.Out.WriteLine(await session.Tokens.GetTokenAsync(ct));
            return 0;
        }));
        return command;
    }

    private static Command ReplayCommand()
    {
        var paths = new Argument<string[]>("paths") { Description = "Error-action record files or folders (one record per file, a JSON array, or JSON lines)", Arity = ArgumentArity.OneOrMore };
        var command = new Command("replay", "Re-post the original payloads of error-action records (a replay never stores a click twice)") { paths };
        command.SetAction(Guarded(async (parse, ct) =>
        {
            using var session = Session.Open(parse, withErrorAction: false);
            if (session is null)
            {
                return 2;
            }

            var summary = await new Replayer(session.Sender).ReplayAsync(ErrorActionReader.Read(parse.GetValue(paths)!), null, ct);
            var table = new Table().AddColumns("replayed", "duplicate", "failed")
                .AddRow(summary.Replayed.ToString(CultureInfo.InvariantCulture), summary.Duplicate.ToString(CultureInfo.InvariantCulture), summary.Failed.ToString(CultureInfo.InvariantCulture));
            AnsiConsole.Write(table);
            foreach (var problem in summary.Problems)
            {
                AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[yellow]{problem}[/]");
            }

            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"token requests: {session.Tokens.TokenRequests}");
            return summary.Failed == 0 ? 0 : 1;
        }));
        return command;
    }

    /// <summary>Turns an unusable issuer into one readable line and exit code 2 instead of a stack trace.</summary>
    private static Func<ParseResult, CancellationToken, Task<int>> Guarded(Func<ParseResult, CancellationToken, Task<int>> action) => async (parse, ct) =>
    {
        try
        {
            return await action(parse, ct);
        }
        catch (TokenRequestException e)
        {
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[red]{e.Message}[/]");
            return 2;
        }
    };

    private static Table StatisticsTable(DeliveryStatistics s, Session session, LoadSummary? done)
    {
        static string N(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
        var table = new Table().Title(done is null ? "running…" : "summary").AddColumn("").AddColumn(new TableColumn("").RightAligned()).HideHeaders();
        table.AddRow("sent (messages)", N(s.Sent));
        table.AddRow("requests", N(s.Requests));
        table.AddRow("accepted (stored)", N(s.Accepted));
        table.AddRow("duplicates", N(s.Duplicates));
        table.AddRow("rejected (final 4xx)", N(s.Rejected));
        table.AddRow("retried (tries after the first)", N(s.Retried));
        table.AddRow("failed → error action", N(s.FailedToErrorAction));
        table.AddRow("token requests", N(session.Tokens.TokenRequests));
        table.AddRow("latency p50 / p90 / p99 ms", $"{N(s.LatencyPercentile(50))} / {N(s.LatencyPercentile(90))} / {N(s.LatencyPercentile(99))}");
        if (done is not null)
        {
            table.AddRow("achieved rate", $"{N(done.AchievedClicksPerSecond)} clicks/s over {N(done.Elapsed.TotalSeconds)} s");
        }

        return table;
    }

    private static void PrintErrorAction(Session session)
    {
        if (session.ErrorAction is { Written: > 0 } folder)
        {
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[yellow]{folder.Written} error-action record(s) written to {session.ErrorsDirectory}[/] (replay: dotnet run --project tools/ButtonSimulator -- replay {session.ErrorsDirectory})");
        }
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

        public static Session? Open(ParseResult parse, bool withErrorAction = true)
        {
            var settings = Settings(parse);
            var endpoint = settings.TokenEndpoint(out var problem);
            if (endpoint is null)
            {
                AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[red]{problem}[/]");
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
