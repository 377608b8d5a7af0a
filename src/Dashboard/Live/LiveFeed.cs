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
    private readonly SubscriberList<LiveBatch> _subscribers;
    private readonly Timer _timer;
    private Dictionary<string, LiveChange> _pending = new(StringComparer.Ordinal);
    private bool _overflowed;

    public LiveFeed(ILogger<LiveFeed> logger)
    {
        _subscribers = new SubscriberList<LiveBatch>(logger, "the live feed");
        _timer = new Timer(_ => Flush(), null, Interval, Interval);
    }

    public IDisposable Subscribe(Action<LiveBatch> onBatch) => _subscribers.Subscribe(onBatch);

    /// <summary>Called by live state for each change; cheap, and free when nobody listens.</summary>
    public void Post(LiveChange change)
    {
        if (_subscribers.Count == 0)
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
        lock (_lock)
        {
            if (_pending.Count == 0 && !_overflowed)
            {
                return;
            }

            (pending, _pending) = (_pending, new Dictionary<string, LiveChange>(StringComparer.Ordinal));
            (overflowed, _overflowed) = (_overflowed, false);
        }

        _subscribers.Publish(new LiveBatch([.. pending.Values], overflowed));
    }

    public void Dispose() => _timer.Dispose();
}
