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

    private sealed record SubscribeRequest(MqttTopicFilter[] Filters, uint Identifier);
}
