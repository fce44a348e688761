using ButtonSimulator.Delivery;

namespace ButtonSimulator.ErrorAction;

/// <summary>Counts of a replay.</summary>
internal sealed record ReplaySummary(int Replayed, int Duplicate, int Failed, IReadOnlyList<string> Problems);

/// <summary>
/// Re-posts the original payloads of error-action records. Each message carries its record's topic and
/// trace id (as the rule SQL added them the first time), so the function derives the same event id and a
/// click that did get stored comes back as a duplicate rather than a second copy.
/// </summary>
internal sealed class Replayer(HttpActionSender sender)
{
    public async Task<ReplaySummary> ReplayAsync(IEnumerable<ReadRecord> records, IProgress<ReplaySummary>? progress, CancellationToken ct)
    {
        int replayed = 0, duplicate = 0, failed = 0;
        var problems = new List<string>();
        foreach (var read in records)
        {
            var message = read.Record?.ToMessage();
            if (message is null)
            {
                failed++;
                problems.Add($"{read.Source}: {read.Problem ?? "record has no base64OriginalPayload"}");
                continue;
            }

            var report = await sender.SendAsync([message], asBatch: false, ct);
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
                    problems.Add($"{read.Source}: {report.Last.Describe()}");
                    break;
            }

            progress?.Report(new ReplaySummary(replayed, duplicate, failed, problems));
        }

        return new ReplaySummary(replayed, duplicate, failed, problems);
    }
}
