using ButtonSimulator.Payloads;

namespace ButtonSimulator.Delivery;

/// <summary>The HTTP action's batchConfig, with AWS's limits (ARCHITECTURE §2).</summary>
internal sealed record BatchSettings(int WindowMs = 20, int MaxMessages = 10, int MaxBytes = 5120)
{
    public void Validate()
    {
        if (WindowMs is < 5 or > 200)
        {
            throw new ArgumentOutOfRangeException(nameof(WindowMs), WindowMs, "batch window must be 5-200 ms");
        }

        if (MaxMessages is < 2 or > 10)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxMessages), MaxMessages, "batch size must be 2-10 messages");
        }

        if (MaxBytes is < 1 or > 131072)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBytes), MaxBytes, "batch size must be 1-131072 bytes");
        }
    }
}

/// <summary>
/// Groups messages like the HTTP action's batching: a batch opens with its first message and is sent
/// when its window elapses, when it holds MaxMessages, or before a message would push its JSON array
/// body over MaxBytes. Batches are handed to <c>flush</c>; <see cref="DisposeAsync"/> sends the rest.
/// </summary>
internal sealed class MessageBatcher : IAsyncDisposable
{
    private readonly BatchSettings _settings;
    private readonly Func<IReadOnlyList<IotMessage>, Task> _flush;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly List<Task> _pending = [];
    private List<IotMessage> _current = [];
    private int _currentBytes;
    private ITimer? _timer;
    private int _generation;

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
        lock (_lock)
        {
            // A JSON array body: brackets, the messages, commas between them.
            if (_current.Count > 0 && _currentBytes + 1 + message.RuleOutput.Length > _settings.MaxBytes)
            {
                overflow = TakeLocked();
            }

            if (_current.Count == 0)
            {
                _currentBytes = 2 + message.RuleOutput.Length;
                var generation = ++_generation;
                _timer = _time.CreateTimer(_ => OnWindowElapsed(generation), null, TimeSpan.FromMilliseconds(_settings.WindowMs), Timeout.InfiniteTimeSpan);
            }
            else
            {
                _currentBytes += 1 + message.RuleOutput.Length;
            }

            _current.Add(message);
            if (_current.Count >= _settings.MaxMessages)
            {
                full = TakeLocked();
            }
        }

        Dispatch(overflow);
        Dispatch(full);
    }

    /// <summary>Sends the open batch now and waits until every batch handed over so far has been flushed.</summary>
    public async Task FlushAsync()
    {
        List<IotMessage>? rest;
        lock (_lock)
        {
            rest = _current.Count > 0 ? TakeLocked() : null;
        }

        Dispatch(rest);
        Task[] pending;
        lock (_lock)
        {
            pending = [.. _pending];
        }

        await Task.WhenAll(pending);
    }

    public async ValueTask DisposeAsync() => await FlushAsync();

    private void OnWindowElapsed(int generation)
    {
        List<IotMessage>? batch = null;
        lock (_lock)
        {
            if (generation == _generation && _current.Count > 0)
            {
                batch = TakeLocked();
            }
        }

        Dispatch(batch);
    }

    private List<IotMessage> TakeLocked()
    {
        var batch = _current;
        _current = [];
        _currentBytes = 0;
        _generation++;
        _timer?.Dispose();
        _timer = null;
        return batch;
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
}
