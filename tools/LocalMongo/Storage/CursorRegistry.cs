using System.Collections.Concurrent;
using LocalMongo.Commands;
using MongoDB.Bson;

namespace LocalMongo.Storage;

/// <summary>
/// Open server cursors (find, aggregate, listIndexes, listCollections). Results are computed when the
/// cursor opens (a snapshot) and handed out in batches; idle cursors expire after 10 minutes as in mongod.
/// </summary>
internal sealed class CursorRegistry(TimeProvider time)
{
    /// <summary>mongod's default first batch for find/aggregate.</summary>
    public const int DefaultFirstBatch = 101;

    // Replies must stay under maxBsonObjectSize (16 MiB): leave room for the envelope, as mongod does.
    private const int MaxBatchBytes = (16 * 1024 * 1024) - (16 * 1024);

    private static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<long, ServerCursor> _cursors = new();

    public int OpenCount => _cursors.Count;

    /// <summary>Returns the first batch as a cursor reply: <c>{ cursor: { firstBatch, id, ns }, ok: 1 }</c>.</summary>
    public BsonDocument Open(string ns, IEnumerable<BsonDocument> results, int? batchSize, bool singleBatch)
    {
        ExpireIdle();
        var cursor = new ServerCursor(ns, results.GetEnumerator(), time.GetUtcNow());
        // batchSize 0 asks for an open cursor and an empty first batch (mongod does not run the query yet).
        var batch = batchSize == 0 ? [] : cursor.TakeBatch(batchSize ?? DefaultFirstBatch);
        long id = 0;
        if (!cursor.Exhausted && !singleBatch)
        {
            do
            {
                id = Random.Shared.NextInt64(1, long.MaxValue);
            }
            while (!_cursors.TryAdd(id, cursor));
        }
        else
        {
            cursor.Dispose();
        }

        return Reply("firstBatch", batch, id, ns);
    }

    public BsonDocument GetMore(long id, string ns, int? batchSize)
    {
        if (!_cursors.TryGetValue(id, out var cursor))
        {
            throw new CommandException(ErrorCodes.CursorNotFound, $"cursor id {id} not found");
        }

        if (cursor.Namespace != ns)
        {
            throw new CommandException(ErrorCodes.Unauthorized, $"Requested getMore on namespace '{ns}', but cursor belongs to a different namespace {cursor.Namespace}");
        }

        BsonArray batch;
        lock (cursor)
        {
            cursor.LastUsed = time.GetUtcNow();
            batch = cursor.TakeBatch(batchSize ?? 0);
            if (cursor.Exhausted)
            {
                _cursors.TryRemove(id, out _);
                cursor.Dispose();
            }
        }

        return Reply("nextBatch", batch, cursor.Exhausted ? 0 : id, ns);
    }

    public bool Kill(long id)
    {
        if (_cursors.TryRemove(id, out var cursor))
        {
            lock (cursor)
            {
                cursor.Dispose();
            }

            return true;
        }

        return false;
    }

    private void ExpireIdle()
    {
        var now = time.GetUtcNow();
        foreach (var (id, cursor) in _cursors)
        {
            if (now - cursor.LastUsed > IdleTimeout)
            {
                Kill(id);
            }
        }
    }

    private static BsonDocument Reply(string batchName, BsonArray batch, long id, string ns) => new()
    {
        { "cursor", new BsonDocument { { batchName, batch }, { "id", id }, { "ns", ns } } },
        { "ok", 1.0 },
    };

    private sealed class ServerCursor(string ns, IEnumerator<BsonDocument> results, DateTimeOffset created) : IDisposable
    {
        private BsonDocument? _pending;

        public string Namespace { get; } = ns;

        public DateTimeOffset LastUsed { get; set; } = created;

        public bool Exhausted { get; private set; }

        /// <summary>Up to <paramref name="max"/> documents (0 = no count limit), and never over 16 MiB.</summary>
        public BsonArray TakeBatch(int max)
        {
            var batch = new BsonArray();
            var bytes = 0;
            while (max == 0 || batch.Count < max)
            {
                var next = _pending;
                _pending = null;
                if (next is null)
                {
                    if (!results.MoveNext())
                    {
                        Exhausted = true;
                        break;
                    }

                    next = results.Current;
                }

                var size = next.ToBson().Length;
                if (batch.Count > 0 && bytes + size > MaxBatchBytes)
                {
                    _pending = next;
                    break;
                }

                bytes += size;
                batch.Add(next);
            }

            // A batch that ends exactly at the last document still reports the cursor exhausted.
            if (!Exhausted && _pending is null && max != 0 && batch.Count == max)
            {
                if (results.MoveNext())
                {
                    _pending = results.Current;
                }
                else
                {
                    Exhausted = true;
                }
            }

            return batch;
        }

        public void Dispose() => results.Dispose();
    }
}
