using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ButtonFunctions.Tests.LocalHost;
using ButtonFunctions.Tests.Support;
using ButtonSimulator.ErrorAction;
using Microsoft.AspNetCore.Http;

namespace ButtonFunctions.Tests.Simulator;

/// <summary>
/// The simulator as a user runs it, as a real process with its output redirected: what goes to stdout and
/// stderr, the exit codes, and the plain output where the terminal cannot take the live display.
/// </summary>
public sealed class SimulatorProcessTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sim-process-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string ErrorsDir => Path.Combine(_dir, "errors");

    private string[] Connection(SimulatorHarness harness) =>
    [
        "--url", harness.IngestUrl.AbsoluteUri,
        "--authority", harness.Server.BaseAddress.AbsoluteUri,
        "--client-id", "client-1",
        "--client-secret", "secret-1",
        "--errors-dir", ErrorsDir,
    ];

    [Fact]
    public async Task Token_prints_the_token_and_nothing_else_on_stdout()
    {
        await using var harness = await SimulatorHarness.StartAsync(SimulatorHarness.Created);

        var result = await SimulatorProcess.RunAsync(_dir, ["token", .. Connection(harness)]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("token-1" + Environment.NewLine, result.Stdout);
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public async Task Token_without_credentials_says_on_stderr_what_to_do_and_prints_nothing_on_stdout()
    {
        var result = await SimulatorProcess.RunAsync(_dir, ["token"]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal("", result.Stdout);
        var line = Assert.Single(result.StderrLines);
        Assert.StartsWith("error: no client credentials", line, StringComparison.Ordinal);
        Assert.Contains("--client-id", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_from_an_unreachable_issuer_fails_with_one_line_on_stderr()
    {
        var closed = ClosedPort();

        var result = await SimulatorProcess.RunAsync(_dir, ["token", "--authority", $"http://127.0.0.1:{closed}/", "--client-id", "a", "--client-secret", "b"]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal("", result.Stdout);
        var line = Assert.Single(result.StderrLines);
        Assert.Contains("unreachable", line, StringComparison.Ordinal);
        Assert.Contains("start the issuer", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_refused_by_the_issuer_fails_with_one_line_on_stderr()
    {
        await using var server = await StubServer.StartAsync((context, _) =>
        {
            context.Response.StatusCode = 401;
            return context.Response.WriteAsJsonAsync(new { error = "access_denied", error_description = "Unauthorized" });
        });

        var result = await SimulatorProcess.RunAsync(_dir, ["token", "--authority", server.BaseAddress.AbsoluteUri, "--client-id", "a", "--client-secret", "wrong"]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal("", result.Stdout);
        var line = Assert.Single(result.StderrLines);
        Assert.Contains("refused (HTTP 401 access_denied Unauthorized)", line, StringComparison.Ordinal);
        Assert.Contains("check --client-id", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Replay_of_an_empty_or_missing_folder_has_nothing_to_replay_and_exits_0(bool exists)
    {
        var folder = Path.Combine(_dir, "errors-never-written");
        if (exists)
        {
            Directory.CreateDirectory(folder);
        }

        // No credentials at all: with nothing to replay none are needed.
        var result = await SimulatorProcess.RunAsync(_dir, ["replay", folder]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"nothing to replay in {folder}" + Environment.NewLine, result.Stdout);
        Assert.Equal("", result.Stderr);
    }

    [Theory]
    [InlineData("dumb")]
    [InlineData("xterm-256color")]
    [InlineData(null)]
    public async Task Run_with_redirected_output_prints_plain_lines_and_a_summary_and_exits_0(string? term)
    {
        await using var harness = await SimulatorHarness.StartAsync(SimulatorHarness.Created);

        var result = await SimulatorProcess.RunAsync(_dir, ["run", "--buttons", "2", "--rate", "4", "--duration", "1", .. Connection(harness)], new Dictionary<string, string?> { ["TERM"] = term });

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.Stderr);
        Assert.Contains("summary", result.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"sent \(messages\)\s+8\r?\n", result.Stdout);
        Assert.Matches(@"accepted \(stored\)\s+8\r?\n", result.Stdout);
        Assert.Matches(@"failed → error action\s+0\r?\n", result.Stdout);
        // No cursor movement or colour: a log reads as text.
        Assert.DoesNotContain('\u001b', result.Stdout);
    }

    [Fact]
    public async Task Run_with_a_batch_size_below_AWS_minimum_fails_on_stderr_before_sending()
    {
        var result = await SimulatorProcess.RunAsync(_dir, ["run", "--batch", "--batch-max-bytes", "99"]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal("", result.Stdout);
        var line = Assert.Single(result.StderrLines);
        Assert.Contains("100-131072 bytes (--batch-max-bytes)", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_against_a_refusing_function_exits_1_and_its_batched_records_replay_every_click()
    {
        var refusing = true;
        var stored = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>();
        await using var harness = await SimulatorHarness.StartAsync(async (context, request) =>
        {
            if (Volatile.Read(ref refusing))
            {
                context.Response.StatusCode = 403;
                return;
            }

            var id = (string)JsonNode.Parse(request.Body)!["traceId"]!;
            var isNew = stored.TryAdd(id, true);
            context.Response.StatusCode = isNew ? 201 : 200;
            await context.Response.WriteAsJsonAsync(new { stored = isNew ? 1 : 0, duplicates = isNew ? 0 : 1 });
        });

        var run = await SimulatorProcess.RunAsync(_dir, ["run", "--buttons", "3", "--rate", "4", "--duration", "1", "--batch", "--batch-window-ms", "200", .. Connection(harness)]);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Matches(@"failed → error action\s+12\r?\n", run.Stdout);
        var line = Assert.Single(run.StderrLines);
        Assert.StartsWith("error: 12 message(s) not delivered", line, StringComparison.Ordinal);
        Assert.Contains("replay " + ErrorsDir, line, StringComparison.Ordinal);
        var records = ErrorActionReader.Read([ErrorsDir]).Select(r => r.Record!).ToList();
        Assert.All(records, r => Assert.True(r.IsBatched));
        var sent = harness.IngestRequests.SelectMany(r => JsonNode.Parse(r.Body)!.AsArray().Select(m => (string)m!["traceId"]!)).ToHashSet();
        Assert.Equal(12, sent.Count);

        Volatile.Write(ref refusing, false);
        var replay = await SimulatorProcess.RunAsync(_dir, ["replay", ErrorsDir, .. Connection(harness)]);

        Assert.True(replay.ExitCode == 0, replay.ToString());
        Assert.StartsWith("replayed 12, duplicate 0, failed 0", replay.Stdout, StringComparison.Ordinal);
        Assert.Equal(sent, stored.Keys.ToHashSet());
        // A replay writes no new records, even for what it could not deliver.
        Assert.Equal(records.Count, Directory.GetFiles(ErrorsDir).Length);
    }

    [Fact]
    public async Task Click_refused_by_the_function_exits_1_with_the_next_step_on_stderr()
    {
        await using var harness = await SimulatorHarness.StartAsync((context, _) =>
        {
            context.Response.StatusCode = 415;
            return Task.CompletedTask;
        });

        var result = await SimulatorProcess.RunAsync(_dir, ["click", .. Connection(harness)]);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith("Rejected HTTP 415", result.Stdout, StringComparison.Ordinal);
        var line = Assert.Single(result.StderrLines);
        Assert.Contains("not accepted", line, StringComparison.Ordinal);
        Assert.Contains("replay " + ErrorsDir, line, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(ErrorsDir));
    }

    [Fact]
    public async Task Ctrl_C_stops_a_run_prints_its_summary_and_writes_every_undelivered_click_to_the_error_action()
    {
        // Answers the first three requests, then hangs like an endpoint that stopped responding.
        var answered = new System.Collections.Concurrent.ConcurrentBag<string>();
        await using var harness = await SimulatorHarness.StartAsync(async (context, request) =>
        {
            if (answered.Count < 3)
            {
                answered.Add((string)JsonNode.Parse(request.Body)!["traceId"]!);
                await SimulatorHarness.Created(context, request);
                return;
            }

            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        });
        using var process = SimulatorProcess.Start(_dir, ["run", "--buttons", "2", "--rate", "10", "--duration", "300", .. Connection(harness)]);
        await Eventually.TrueAsync(() => harness.IngestRequests.Count() >= 6, TimeSpan.FromSeconds(60), "the run never reached six requests");

        await process.InterruptAsync();
        var result = await process.WaitAsync();

        Assert.True(result.ExitCode == 130, result.ToString());
        Assert.Contains("summary", result.Stdout, StringComparison.Ordinal);
        var sent = Count(result.Stdout, @"sent \(messages\)");
        var accepted = Count(result.Stdout, @"accepted \(stored\)");
        var interrupted = Count(result.Stdout, @"interrupted \(Ctrl\+C\) → error action");
        Assert.Equal(sent, accepted + interrupted);
        Assert.InRange(accepted, 1, answered.Count);
        var recorded = ErrorActionReader.Read([ErrorsDir]).Select(r => r.Record!.CloudwatchTraceId!).ToHashSet();
        Assert.Equal(interrupted, recorded.Count);
        Assert.Subset(recorded, harness.IngestRequests.Select(r => (string)JsonNode.Parse(r.Body)!["traceId"]!).Except(answered).ToHashSet());
        Assert.Contains(result.StderrLines, l => l.StartsWith("warning: stopping: no new clicks", StringComparison.Ordinal));
    }

    private static int Count(string summary, string label) =>
        int.Parse(Regex.Match(summary, label + @"\s+(\d+)\r?\n").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
