using ButtonSimulator.Delivery;

namespace ButtonSimulator.ErrorAction;

/// <summary>Counts of a replay (messages, not records: a batched record holds several).</summary>
/// <param name="Skipped">Entries of batched records that no failure named in <c>affectedIds</c>: they did not fail.</param>
/// <param name="Interrupted">Whether Ctrl+C stopped the replay before every record was read.</param>
internal sealed record ReplaySummary(int Replayed, int Duplicate, int Failed, int Skipped, IReadOnlyList<string> Problems, bool Interrupted = false)
{
    public int Messages => Replayed + Duplicate + Failed;
}

/// <summary>
/// Re-posts the original payloads of error-action records, one message per request. Each message carries its
/// topic and the trace id the rule SQL gave it the first time, so the function derives the same event id and a
/// click that did get stored comes back as a duplicate rather than a second copy.
/// </summary>
/// <remarks>
/// Which trace id that is (aws/FACTS.md, "Trace ids"): for an unbatched record, the one its object key carries
/// (the template writes <c>${traceid()}</c> into the key, the same function the rule SQL uses), else its
/// <c>cloudwatchTraceId</c>; for a batched entry, its <c>cloudwatchTraceId</c>, which the AWS documentation does
/// not promise equals <c>traceid()</c>. So batched entries are replayed only while no unbatched record read in
/// the same run shows the two differ; if one does, they are left in place (reported as failed), never re-posted
/// under an id that could store a click twice.
/// </remarks>
internal sealed class Replayer(HttpActionSender sender)
{
    public async Task<ReplaySummary> ReplayAsync(IEnumerable<ReadRecord> records, IProgress<ReplaySummary>? progress, CancellationToken ct)
    {
        var all = records.ToList();
        var mismatch = all.FirstOrDefault(r => r.Record is { IsBatched: false, CloudwatchTraceId: { } cw } && r.KeyTraceId is { } key && !string.Equals(cw, key, StringComparison.OrdinalIgnoreCase));
        int replayed = 0, duplicate = 0, failed = 0, skipped = 0;
        var problems = new List<string>();
        foreach (var read in all)
        {
            if (ct.IsCancellationRequested)
            {
                return new ReplaySummary(replayed, duplicate, failed, skipped, problems, Interrupted: true);
            }

            if (read.Record is null)
            {
                failed++;
                problems.Add($"{read.Source}: {read.Problem ?? "not an error-action record"}");
                continue;
            }

            foreach (var item in read.Record.ReplayItems(read.KeyTraceId))
            {
                var source = item.EntryId is { } id ? $"{read.Source} entry {id}" : read.Source;
                if (item.NotFailed)
                {
                    skipped++;
                    continue;
                }

                if (item.Message is null)
                {
                    failed++;
                    problems.Add($"{source}: {item.Problem}");
                    continue;
                }

                if (read.Record.IsBatched && mismatch is not null)
                {
                    failed++;
                    problems.Add($"{source}: not replayed, because {mismatch.Source} shows cloudwatchTraceId differs from the rule's traceid(), so a batched entry's cloudwatchTraceId may not be the id its click was stored under");
                    continue;
                }

                var report = await sender.SendAsync([item.Message], asBatch: false, ct);
                switch (report.Outcome)
                {
                    case DeliveryOutcome.Accepted:
                        replayed++;
                        break;
                    case DeliveryOutcome.Duplicate:
                        duplicate++;
                        break;
                    default:
                        failed++;
                        problems.Add($"{source}: {report.Last.Describe()}");
                        break;
                }

                progress?.Report(new ReplaySummary(replayed, duplicate, failed, skipped, problems));
            }
        }

        return new ReplaySummary(replayed, duplicate, failed, skipped, problems, Interrupted: ct.IsCancellationRequested);
    }
}
