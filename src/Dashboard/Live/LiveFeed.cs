namespace Dashboard.Live;

/// <summary>
/// The change feed of live state. Ingestion posts every change; subscribers get them in batches, at most every
/// <see cref="Interval"/>, with only the latest change per key: a flood of messages costs subscribers one
/// batch per interval, never one call per message. The pending set is bounded; beyond it a batch says
/// <see cref="LiveBatch.Overflowed"/>.
/// </summary>
public sealed class LiveFeed : IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private const int MaxPending = 10_000;

    private readonly Lock _lock = new();
    private readonly ILogger<LiveFeed> _logger;
    private readonly Timer _timer;
    private Dictionary<string, LiveChange> _pending = new(StringComparer.Ordinal);
    private bool _overflowed;
    private Action<LiveBatch>[] _subscribers = [];

    public LiveFeed(ILogger<LiveFeed> logger)
    {
        _logger = logger;
        _timer = new Timer(_ => Flush(), null, Interval, Interval);
    }

    internal int SubscriberCount => _subscribers.Length;

    public IDisposable Subscribe(Action<LiveBatch> onBatch)
    {
        lock (_lock)
        {
            _subscribers = [.. _subscribers, onBatch];
        }

        return new Subscription(this, onBatch);
    }

    /// <summary>Called by live state for each change; cheap, and free when nobody listens.</summary>
    public void Post(LiveChange change)
    {
        if (_subscribers.Length == 0)
        {
            return;
        }

        lock (_lock)
        {
            if (_pending.Count >= MaxPending && !_pending.ContainsKey(change.Key))
            {
                _overflowed = true;
                return;
            }

            _pending[change.Key] = change;
        }
    }

    /// <summary>Hands the pending changes to every subscriber now (the timer does this every <see cref="Interval"/>).</summary>
    public void Flush()
    {
        Dictionary<string, LiveChange> pending;
        bool overflowed;
        Action<LiveBatch>[] subscribers;
        lock (_lock)
        {
            if (_pending.Count == 0 && !_overflowed)
            {
                return;
            }

            (pending, _pending) = (_pending, new Dictionary<string, LiveChange>(StringComparer.Ordinal));
            (overflowed, _overflowed) = (_overflowed, false);
            subscribers = _subscribers;
        }

        var batch = new LiveBatch([.. pending.Values], overflowed);
        foreach (var subscriber in subscribers)
        {
            try
            {
                subscriber(batch);
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "A live feed subscriber failed");
            }
        }
    }

    public void Dispose() => _timer.Dispose();

    private sealed class Subscription(LiveFeed feed, Action<LiveBatch> onBatch) : IDisposable
    {
        public void Dispose()
        {
            lock (feed._lock)
            {
                feed._subscribers = [.. feed._subscribers.Where(s => s != onBatch)];
            }
        }
    }
}
