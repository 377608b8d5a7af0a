namespace Dashboard.Broker.Status;

/// <summary>The latest <see cref="BrokerStatus"/> and a change feed for the UI; a subscription ends when disposed.</summary>
public sealed class BrokerStatusFeed
{
    private readonly Lock _lock = new();
    private readonly List<Action<BrokerStatus>> _subscribers = [];

    public BrokerStatus Current { get; private set; } = BrokerStatus.Starting;

    internal int SubscriberCount
    {
        get
        {
            lock (_lock)
            {
                return _subscribers.Count;
            }
        }
    }

    public IDisposable Subscribe(Action<BrokerStatus> onChange)
    {
        lock (_lock)
        {
            _subscribers.Add(onChange);
        }

        return new Subscription(this, onChange);
    }

    public void Publish(BrokerStatus status)
    {
        Current = status;
        Action<BrokerStatus>[] subscribers;
        lock (_lock)
        {
            subscribers = [.. _subscribers];
        }

        foreach (var subscriber in subscribers)
        {
            subscriber(status);
        }
    }

    private sealed class Subscription(BrokerStatusFeed feed, Action<BrokerStatus> onChange) : IDisposable
    {
        public void Dispose()
        {
            lock (feed._lock)
            {
                feed._subscribers.Remove(onChange);
            }
        }
    }
}
