namespace Dashboard.Broker.Status;

/// <summary>The latest <see cref="BrokerStatus"/> and a change feed for the UI; a subscription ends when disposed.</summary>
public sealed class BrokerStatusFeed(ILogger<BrokerStatusFeed> logger)
{
    private readonly SubscriberList<BrokerStatus> _subscribers = new(logger, "the broker status feed");

    public BrokerStatus Current { get; private set; } = BrokerStatus.Starting;

    internal int SubscriberCount => _subscribers.Count;

    public IDisposable Subscribe(Action<BrokerStatus> onChange) => _subscribers.Subscribe(onChange);

    public void Publish(BrokerStatus status)
    {
        Current = status;
        _subscribers.Publish(status);
    }
}
