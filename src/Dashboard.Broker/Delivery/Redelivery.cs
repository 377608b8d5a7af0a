using System.Runtime.CompilerServices;
using Dashboard.Broker.Transport;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server.Internal;

namespace Dashboard.Broker.Delivery;

/// <summary>
/// A resumed session's unacknowledged messages, sent again as the specification asks: with their original packet
/// identifiers [MQTT-4.4.0-1] and the DUP flag [MQTT-3.3.1-1], and a QoS 2 message the client has already answered with
/// PUBREC as a PUBREL, not as the PUBLISH again [MQTT-4.4.0-1]. MQTTnet re-queues them at resumption as if they were new
/// (new identifiers, no DUP, the PUBLISH again), so a client that recognises a QoS 2 message by its identifier delivered
/// it twice. The identifiers are read before MQTTnet resumes the session and put back as each message leaves.
/// </summary>
internal sealed class Redelivery(BrokerServer broker) : IMqttPacketHook
{
    // Identifiers of QoS 2 messages the client has answered with PUBREC and not yet completed with PUBCOMP, per session.
    private readonly ConditionalWeakTable<MqttSession, HashSet<ushort>> _released = new();

    /// <summary>A client resumes its session (from CONNECT validation, after any takeover has stopped the old connection's sends).</summary>
    public void Resuming(ClientConnection connection)
    {
        if (broker.FindMqttSession(connection.ClientId) is not { } session)
        {
            return;
        }

        var unacknowledged = Unacknowledged(session);
        var original = new Dictionary<MqttPublishPacket, ushort>(ReferenceEqualityComparer.Instance);
        lock (unacknowledged)
        {
            foreach (var packet in unacknowledged)
            {
                original[packet] = packet.PacketIdentifier;
            }
        }

        if (original.Count > 0)
        {
            connection.ResumedIdentifiers = original;
        }
    }

    public MqttPacket? Received(ClientConnection connection, MqttPacket packet)
    {
        switch (packet)
        {
            case MqttPubRecPacket { ReasonCode: < MqttPubRecReasonCode.UnspecifiedError } pubRec when connection.Backlog.Session is { } session:
                var released = _released.GetOrCreateValue(session);
                lock (released)
                {
                    released.Add(pubRec.PacketIdentifier);
                }

                break;
            case MqttPubCompPacket pubComp when connection.Backlog.Session is { } session && _released.TryGetValue(session, out var completed):
                lock (completed)
                {
                    completed.Remove(pubComp.PacketIdentifier);
                }

                break;
        }

        return packet;
    }

    public MqttPacket Sending(ClientConnection connection, MqttPacket packet)
    {
        if (packet is not MqttPublishPacket { QualityOfServiceLevel: > MqttQualityOfServiceLevel.AtMostOnce } publish
            || connection.Backlog.Session is not { } session)
        {
            return packet;
        }

        _released.TryGetValue(session, out var released);
        if (connection.ResumedIdentifiers is not { } original || !TakeOriginal(original, publish, out var id))
        {
            if (released is not null)
            {
                lock (released)
                {
                    released.Remove(publish.PacketIdentifier); // a new message under this identifier: any earlier release is over
                }
            }

            return packet;
        }

        publish.PacketIdentifier = id; // what MQTTnet matches the client's acknowledgement against, too
        publish.Dup = true;
        if (released is not null)
        {
            lock (released)
            {
                if (released.Contains(id))
                {
                    return new MqttPubRelPacket { PacketIdentifier = id };
                }
            }
        }

        return publish;
    }

    private static bool TakeOriginal(Dictionary<MqttPublishPacket, ushort> original, MqttPublishPacket publish, out ushort id)
    {
        lock (original)
        {
            return original.Remove(publish, out id);
        }
    }

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_unacknowledgedPublishPackets")]
    private static extern ref List<MqttPublishPacket> Unacknowledged(MqttSession session);
}
