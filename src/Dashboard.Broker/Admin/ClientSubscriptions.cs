using Dashboard.Broker.Sessions;
using Dashboard.Broker.Transport;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace Dashboard.Broker.Admin;

/// <summary>
/// Notes on each connection what it subscribed to (as SUBACK granted it, shared subscriptions included) and unsubscribed
/// from, so the admin's list of clients can show it: MQTTnet keeps a session's subscriptions to itself. Runs before the
/// shared subscriptions' hook, so it sees the whole SUBSCRIBE and, on the way back, the whole SUBACK.
/// </summary>
internal sealed class ClientSubscriptions : IMqttPacketHook
{
    public MqttPacket? Received(ClientConnection connection, MqttPacket packet)
    {
        switch (packet)
        {
            case MqttSubscribePacket subscribe:
                connection.HookState[(this, subscribe.PacketIdentifier)] = new SubscribeRequest([.. subscribe.TopicFilters], subscribe.SubscriptionIdentifier);
                break;
            case MqttUnsubscribePacket unsubscribe:
                foreach (var filter in unsubscribe.TopicFilters)
                {
                    connection.Subscriptions.TryRemove(filter, out _);
                }

                break;
        }

        return packet;
    }

    public MqttPacket Sending(ClientConnection connection, MqttPacket packet)
    {
        if (packet is MqttPublishPacket { Retain: true, SubscriptionIdentifiers: null or { Count: 0 } } retained
            && connection.ProtocolVersion == MQTTnet.Formatter.MqttProtocolVersion.V500)
        {
            retained.SubscriptionIdentifiers = IdentifiersFor(connection, retained.Topic);
        }

        if (packet is MqttSubAckPacket subAck && connection.HookState.TryRemove((this, subAck.PacketIdentifier), out var state))
        {
            var request = (SubscribeRequest)state;
            for (var i = 0; i < request.Filters.Length && i < subAck.ReasonCodes.Count; i++)
            {
                var code = subAck.ReasonCodes[i];
                if ((int)code <= 2)
                {
                    var filter = request.Filters[i];
                    connection.Subscriptions[filter.Topic] = new StoredSubscription(
                        (MqttQualityOfServiceLevel)code, filter.NoLocal, filter.RetainAsPublished, filter.RetainHandling, request.Identifier);
                }
            }
        }

        return packet;
    }

    /// <summary>
    /// MQTTnet sends the retained messages a SUBSCRIBE matches without its Subscription Identifier, which MQTT 5 wants on
    /// every message a subscription delivers [MQTT-3.3.4-3] (clients route by it: MQTT.js). They may go out before the
    /// SUBACK, so the SUBSCRIBEs still waiting for theirs count as well as the subscriptions already granted.
    /// </summary>
    private List<uint>? IdentifiersFor(ClientConnection connection, string topic)
    {
        List<uint>? identifiers = null;
        void Add(uint identifier)
        {
            if (identifier > 0 && identifiers?.Contains(identifier) != true)
            {
                (identifiers ??= []).Add(identifier);
            }
        }

        foreach (var (filter, subscription) in connection.Subscriptions)
        {
            if (MqttTopic.Matches(filter, topic))
            {
                Add(subscription.Identifier);
            }
        }

        foreach (var (key, state) in connection.HookState)
        {
            if (key is (ClientSubscriptions, _) && state is SubscribeRequest request && request.Filters.Any(f => MqttTopic.Matches(f.Topic, topic)))
            {
                Add(request.Identifier);
            }
        }

        return identifiers;
    }

    private sealed record SubscribeRequest(MqttTopicFilter[] Filters, uint Identifier);
}
