using System.Buffers;
using System.Collections.Concurrent;
using Dashboard.Broker.Transport;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace Dashboard.Broker.Tracking;

/// <summary>
/// Follows the publishes the host asked to track (<see cref="TrackedPublish"/>) through the broker's hooks: enqueued or
/// queued for an offline session (BrokerHost's enqueue interceptor), written to the client (this packet hook), acknowledged
/// (MQTTnet's <c>ClientAcknowledgedPublishPacketAsync</c>). A tracked publish is recognised by its payload buffer, which
/// MQTTnet hands to every receiver unchanged (as <see cref="Sessions.SessionRecord.Acknowledge"/> relies on too), so
/// nothing is added to the message. While nothing is tracked every call returns at its first test.
/// </summary>
internal sealed class PublishTracker(TimeProvider clock, ILogger<PublishTracker> logger) : IMqttPacketHook
{
    private readonly ConcurrentDictionary<object, TrackedPublish> _tracked = new(ReferenceEqualityComparer.Instance);
    private int _count;

    public bool Active => Volatile.Read(ref _count) > 0;

    /// <summary>Tracks the publish whose payload is <paramref name="payload"/>, an array no other message shares.</summary>
    public TrackedPublish Start(byte[] payload)
    {
        var tracked = new TrackedPublish(payload, clock, Stop, logger);
        _tracked[payload] = tracked;
        Interlocked.Increment(ref _count);
        return tracked;
    }

    /// <summary>The enqueue interceptor's decision for one receiver (before MQTTnet queues it, or instead of it).</summary>
    public void Enqueueing(string receiverClientId, MqttApplicationMessage message, DeliveryState state)
    {
        if (Find(message.Payload) is { } tracked)
        {
            tracked.Update(receiverClientId, state, state == DeliveryState.Queued ? message.QualityOfServiceLevel : null);
        }
    }

    public void Acknowledged(string clientId, MqttPublishPacket publish)
    {
        if (Find(publish.Payload) is { } tracked)
        {
            tracked.Update(clientId, DeliveryState.Acknowledged, publish.QualityOfServiceLevel);
        }
    }

    // The innermost hook: it sees the PUBLISH as MQTTnet made it for this client, right before it is written.
    public MqttPacket Sending(ClientConnection connection, MqttPacket packet)
    {
        if (packet is MqttPublishPacket publish && Find(publish.Payload) is { } tracked)
        {
            tracked.Update(connection.ClientId, DeliveryState.Sent, publish.QualityOfServiceLevel);
        }

        return packet;
    }

    private TrackedPublish? Find(ReadOnlySequence<byte> payload) =>
        Volatile.Read(ref _count) > 0 && payload.Start.GetObject() is { } buffer && _tracked.TryGetValue(buffer, out var tracked) ? tracked : null;

    private void Stop(TrackedPublish tracked)
    {
        if (_tracked.TryRemove(new KeyValuePair<object, TrackedPublish>(tracked.Key, tracked)))
        {
            Interlocked.Decrement(ref _count);
        }
    }
}
