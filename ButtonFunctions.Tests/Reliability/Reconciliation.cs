using ButtonSimulator.ErrorAction;
using MongoDB.Bson;
using MongoDB.Driver;

namespace ButtonFunctions.Tests.Reliability;

/// <summary>What the store holds of one scenario's clicks, read by trace id (the rule's <c>traceid()</c>, which the simulator controls).</summary>
internal sealed record StoreSnapshot(IReadOnlyDictionary<string, int> CopiesByTraceId, int WithoutTraceId, int IdNotTraceId)
{
    /// <summary>Extra copies: documents beyond the first for any trace id.</summary>
    public int Duplicates => CopiesByTraceId.Values.Sum(c => c - 1);

    public static async Task<StoreSnapshot> ReadAsync(IMongoCollection<BsonDocument> clicks)
    {
        var documents = await clicks.Find(FilterDefinition<BsonDocument>.Empty)
            .Project(Builders<BsonDocument>.Projection.Include("_id").Include("traceId"))
            .ToListAsync();
        var copies = new Dictionary<string, int>(StringComparer.Ordinal);
        int withoutTraceId = 0, idNotTraceId = 0;
        foreach (var document in documents)
        {
            if (document.GetValue("traceId", BsonNull.Value) is not BsonString { Value: var traceId })
            {
                withoutTraceId++;
                continue;
            }

            copies[traceId] = copies.GetValueOrDefault(traceId) + 1;
            if (document["_id"] is not BsonString { Value: var id } || id != traceId)
            {
                idNotTraceId++;
            }
        }

        return new StoreSnapshot(copies, withoutTraceId, idNotTraceId);
    }
}

/// <summary>The trace ids in a folder of error-action records, one entry per message (a batched record holds several).</summary>
internal static class ErrorActionTraceIds
{
    public static List<string> Read(string folder)
    {
        var ids = new List<string>();
        foreach (var read in ErrorActionReader.Read([folder]))
        {
            var record = read.Record ?? throw new InvalidOperationException($"{read.Source}: {read.Problem}");
            if (record.IsBatched)
            {
                ids.AddRange(record.PayloadsWithMetadata!.Select(e => e.CloudwatchTraceId ?? throw new InvalidOperationException($"{read.Source}: an entry without cloudwatchTraceId")));
            }
            else
            {
                ids.Add(read.KeyTraceId ?? record.CloudwatchTraceId ?? throw new InvalidOperationException($"{read.Source}: no trace id"));
            }
        }

        return ids;
    }
}
