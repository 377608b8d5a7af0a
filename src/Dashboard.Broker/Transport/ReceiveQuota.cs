using Microsoft.Extensions.Options;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace Dashboard.Broker.Transport;

/// <summary>
/// The broker's MQTT 5 Receive Maximum (<c>Broker:ReceiveMaximum</c>, told in CONNACK): the QoS 1/2 PUBLISHes a client
/// has sent and the broker has not yet finished answering — PUBACK, PUBCOMP, or a PUBREC of 0x80 or above — may be at most
/// that many [MQTT-3.3.4-7]; one more gets DISCONNECT 0x93 "receive maximum exceeded". PUBACK/PUBREC wait for the write-ahead
/// commit, so this is real: a client that ignores the window cannot pile up unanswered publishes without bound.
/// MQTT 3.1/3.1.1 clients have no such setting and are not counted.
/// </summary>
internal sealed class ReceiveQuota(IOptions<BrokerOptions> options) : IMqttPacketHook
{
    public MqttPacket? Received(ClientConnection connection, MqttPacket packet)
    {
        if (packet is MqttPublishPacket { QualityOfServiceLevel: > MqttQualityOfServiceLevel.AtMostOnce } publish
            && connection.ProtocolVersion == MqttProtocolVersion.V500)
        {
            var unanswered = Unanswered(connection);
            int count;
            lock (unanswered)
            {
                unanswered.Add(publish.PacketIdentifier); // a packet id already waiting is the same publish, not one more
                count = unanswered.Count;
            }

            if (count > options.Value.ReceiveMaximum)
            {
                throw new MalformedPacketException($"{count} QoS 1/2 PUBLISHes unacknowledged, above the Receive Maximum {options.Value.ReceiveMaximum} [MQTT-3.3.4-7]",
                    reasonCode: MqttDisconnectReasonCode.ReceiveMaximumExceeded);
            }
        }

        return packet;
    }

    public MqttPacket Sending(ClientConnection connection, MqttPacket packet)
    {
        var finished = packet switch
        {
            MqttPubAckPacket ack => ack.PacketIdentifier,
            MqttPubCompPacket comp => comp.PacketIdentifier,
            MqttPubRecPacket { ReasonCode: >= MqttPubRecReasonCode.UnspecifiedError } refused => refused.PacketIdentifier,
            _ => (ushort)0,
        };
        if (finished != 0 && connection.ProtocolVersion == MqttProtocolVersion.V500)
        {
            var unanswered = Unanswered(connection);
            lock (unanswered)
            {
                unanswered.Remove(finished);
            }
        }

        return packet;
    }

    private HashSet<ushort> Unanswered(ClientConnection connection) => (HashSet<ushort>)connection.HookState.GetOrAdd(this, _ => new HashSet<ushort>());
}
