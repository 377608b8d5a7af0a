using Dashboard.Broker.Transport;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace Dashboard.Broker.Subscriptions;

/// <summary>
/// MQTTnet 5.2 handles a SUBSCRIBE's filters highest QoS first and writes SUBACK's reason codes in that order, but a
/// client matches them to its filters by position [MQTT-3.9.3-1]: a refusal would be pinned on another filter, and
/// <c>[a QoS 0, b QoS 1, c QoS 2]</c> was answered 2, 1, 0. This puts the codes back in the SUBSCRIBE's order. As the last
/// hook to see a SUBSCRIBE and the first to see its SUBACK, it knows the filters exactly as MQTTnet got them.
/// </summary>
internal sealed class SubAckOrder : IMqttPacketHook
{
    public MqttPacket? Received(ClientConnection connection, MqttPacket packet)
    {
        if (packet is MqttSubscribePacket { TopicFilters.Count: > 1 } subscribe)
        {
            // MQTTnet's order: OrderByDescending by QoS, a stable sort. order[k] is the filter the k-th code answers.
            int[] order = [.. subscribe.TopicFilters.Select((filter, index) => (filter.QualityOfServiceLevel, index))
                .OrderByDescending(f => f.QualityOfServiceLevel).Select(f => f.index)];
            connection.HookState[(this, subscribe.PacketIdentifier)] = order;
        }

        return packet;
    }

    public MqttPacket Sending(ClientConnection connection, MqttPacket packet)
    {
        if (packet is MqttSubAckPacket subAck && connection.HookState.TryRemove((this, subAck.PacketIdentifier), out var state)
            && state is int[] order && order.Length == subAck.ReasonCodes.Count)
        {
            var codes = new MqttSubscribeReasonCode[order.Length];
            for (var k = 0; k < order.Length; k++)
            {
                codes[order[k]] = subAck.ReasonCodes[k];
            }

            subAck.ReasonCodes = [.. codes];
        }

        return packet;
    }
}
