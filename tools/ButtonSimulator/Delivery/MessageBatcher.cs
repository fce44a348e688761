using ButtonSimulator.Payloads;

namespace ButtonSimulator.Delivery;

/// <summary>
/// The HTTP action's batchConfig, with AWS's limits (aws/FACTS.md, "BatchConfig"): maxBatchOpenMs 5–200
/// (default 20), maxBatchSize 2–10 (10), maxBatchSizeBytes 100–131,072 (5,120). <see cref="AcrossTopics"/> is
/// batchAcrossTopics: AWS's own default is false (a batch holds one topic's messages), but a button per topic
/// then never batches, so aws/template.yaml turns it on with batching and so does the simulator.
/// </summary>
internal sealed record BatchSettings(int WindowMs = 20, int MaxMessages = 10, int MaxBytes = 5120, bool AcrossTopics = true)
{
    public const int MinWindowMs = 5, MaxWindowMs = 200, MinMessages = 2, MaxMessagesLimit = 10, MinBytes = 100, MaxBytesLimit = 131072;

    public void Validate()
    {
        if (WindowMs is < MinWindowMs or > MaxWindowMs)
        {
            throw new ArgumentOutOfRangeException(nameof(WindowMs), WindowMs, $"batch window must be {MinWindowMs}-{MaxWindowMs} ms (--batch-window-ms)");
        }

        if (MaxMessages is < MinMessages or > MaxMessagesLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxMessages), MaxMessages, $"batch size must be {MinMessages}-{MaxMessagesLimit} messages (--batch-max-messages)");
        }

        if (MaxBytes is < MinBytes or > MaxBytesLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBytes), MaxBytes, $"batch size must be {MinBytes}-{MaxBytesLimit} bytes (--batch-max-bytes)");
        }
    }
}

/// <summary>
/// Groups messages like the HTTP action's batching: a batch opens with its first message and is sent when its
/// window elapses, when it holds MaxMessages, or before a message would push its JSON array body over MaxBytes.
/// Unless <see cref="BatchSettings.AcrossTopics"/>, each topic has its own open batch. Batches are handed to
/// <c>flush</c>; <see cref="DisposeAsync"/> sends the rest.
/// </summary>
internal sealed class MessageBatcher : IAsyncDisposable
{
    private readonly BatchSettings _settings;
    private readonly Func<IReadOnlyList<IotMessage>, Task> _flush;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly List<Task> _pending = [];
    private readonly Dictionary<string, OpenBatch> _open = new(StringComparer.Ordinal);

    public MessageBatcher(BatchSettings settings, Func<IReadOnlyList<IotMessage>, Task> flush, TimeProvider time)
    {
        settings.Validate();
        _settings = settings;
        _flush = flush;
        _time = time;
    }

    /// <summary>Adds a message; returns once any batch it completed has been handed over (not sent).</summary>
    public void Add(IotMessage message)
    {
        List<IotMessage>? full = null, overflow = null;
        var key = _settings.AcrossTopics ? string.Empty : message.Topic;
        lock (_lock)
        {
            // A JSON array body: brackets, the messages, commas between them.
            if (_open.TryGetValue(key, out var open) && open.Bytes + 1 + message.RuleOutput.Length > _settings.MaxBytes)
            {
                overflow = TakeLocked(key);
                open = null;
            }

            if (open is null)
            {
                open = new OpenBatch { Bytes = 2 + message.RuleOutput.Length };
                _open[key] = open;
                var opened = open;
                open.Timer = _time.CreateTimer(_ => OnWindowElapsed(key, opened), null, TimeSpan.FromMilliseconds(_settings.WindowMs), Timeout.InfiniteTimeSpan);
            }
            else
            {
                open.Bytes += 1 + message.RuleOutput.Length;
            }

            open.Messages.Add(message);
            if (open.Messages.Count >= _settings.MaxMessages)
            {
                full = TakeLocked(key);
            }
        }

        Dispatch(overflow);
        Dispatch(full);
    }

    /// <summary>Sends every open batch now and waits until every batch handed over so far has been flushed.</summary>
    public async Task FlushAsync()
    {
        List<List<IotMessage>> rest;
        lock (_lock)
        {
            rest = [.. _open.Keys.ToList().Select(TakeLocked)];
        }

        foreach (var batch in rest)
        {
            Dispatch(batch);
        }

        Task[] pending;
        lock (_lock)
        {
            pending = [.. _pending];
        }

        await Task.WhenAll(pending);
    }

    public async ValueTask DisposeAsync() => await FlushAsync();

    private void OnWindowElapsed(string key, OpenBatch opened)
    {
        List<IotMessage>? batch = null;
        lock (_lock)
        {
            // The batch this timer was started for may already have gone (full, overflowed or flushed).
            if (_open.TryGetValue(key, out var open) && ReferenceEquals(open, opened))
            {
                batch = TakeLocked(key);
            }
        }

        Dispatch(batch);
    }

    private List<IotMessage> TakeLocked(string key)
    {
        var open = _open[key];
        _open.Remove(key);
        open.Timer?.Dispose();
        return open.Messages;
    }

    private void Dispatch(List<IotMessage>? batch)
    {
        if (batch is null)
        {
            return;
        }

        var task = _flush(batch);
        lock (_lock)
        {
            _pending.RemoveAll(t => t.IsCompleted);
            _pending.Add(task);
        }
    }

    private sealed class OpenBatch
    {
        public List<IotMessage> Messages { get; } = [];

        public int Bytes { get; set; }

        public ITimer? Timer { get; set; }
    }
}
