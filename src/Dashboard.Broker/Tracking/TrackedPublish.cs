using Dashboard.Common;
using MQTTnet.Protocol;

namespace Dashboard.Broker.Tracking;

/// <summary>Where one session stands with a tracked publish.</summary>
public enum DeliveryState
{
    /// <summary>In the connected client's queue, not yet written to it.</summary>
    Pending,

    /// <summary>Written to the client: final at QoS 0 (MQTT has no acknowledgement for it), awaiting PUBACK/PUBCOMP at QoS 1/2.</summary>
    Sent,

    /// <summary>The client acknowledged it: PUBACK (QoS 1) or PUBCOMP (QoS 2).</summary>
    Acknowledged,

    /// <summary>Kept in the queue of an offline persistent session, for when its client comes back.</summary>
    Queued,

    /// <summary>Not delivered: the session's queue was full, or a QoS 0 message for an offline session (not queued).</summary>
    Dropped,

    /// <summary>Not delivered: the receiver's ACL does not let it read the topic, or the message is over its Maximum Packet Size.</summary>
    Refused,
}

/// <summary>One session's delivery of a tracked publish; <see cref="Qos"/> is the QoS it is delivered with, once known.</summary>
public sealed record SessionDelivery(string ClientId, DeliveryState State, MqttQualityOfServiceLevel? Qos, DateTimeOffset Time);

/// <summary>
/// A publish the broker follows to every session it is delivered to (<see cref="IBrokerPublisher.PublishTrackedAsync"/>):
/// queued, sent, acknowledged, as it happens. Tracking costs the broker nothing while no publish is tracked; dispose it
/// when the answer no longer matters.
/// </summary>
public sealed class TrackedPublish : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, SessionDelivery> _deliveries = new(StringComparer.Ordinal);
    private readonly SubscriberList<TrackedPublish> _changed;
    private readonly Action<TrackedPublish> _stop;
    private readonly TimeProvider _clock;

    internal TrackedPublish(object key, TimeProvider clock, Action<TrackedPublish> stop, Microsoft.Extensions.Logging.ILogger logger)
    {
        Key = key;
        _clock = clock;
        _stop = stop;
        _changed = new SubscriberList<TrackedPublish>(logger, "a tracked publish");
        SentAt = clock.GetUtcNow();
    }

    /// <summary>The payload buffer MQTTnet carries to every receiver unchanged: what a delivery and an acknowledgement are matched by.</summary>
    internal object Key { get; }

    public DateTimeOffset SentAt { get; }

    /// <summary>Set once the broker has decided, for every subscribed session, whether it gets the message.</summary>
    public bool Dispatched { get; private set; }

    public IReadOnlyList<SessionDelivery> Deliveries
    {
        get
        {
            lock (_lock)
            {
                return [.. _deliveries.Values.OrderBy(d => d.ClientId, StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>Called after each change, on the broker's thread that made it: keep it quick.</summary>
    public IDisposable Subscribe(Action<TrackedPublish> changed) => _changed.Subscribe(changed);

    public void Dispose() => _stop(this);

    internal void MarkDispatched()
    {
        Dispatched = true;
        _changed.Publish(this);
    }

    /// <summary>Moves a session's delivery on; a later state never goes back (a late "sent" after the acknowledgement).</summary>
    internal void Update(string clientId, DeliveryState state, MqttQualityOfServiceLevel? qos)
    {
        lock (_lock)
        {
            if (_deliveries.TryGetValue(clientId, out var current) && Rank(current.State) > Rank(state))
            {
                return;
            }

            _deliveries[clientId] = new SessionDelivery(clientId, state, qos ?? current?.Qos, _clock.GetUtcNow());
        }

        _changed.Publish(this);
    }

    private static int Rank(DeliveryState state) => state switch
    {
        DeliveryState.Pending or DeliveryState.Queued => 0,
        DeliveryState.Sent => 1,
        _ => 2,
    };
}
