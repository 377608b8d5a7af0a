using System.Text;
using Dashboard.Broker.Metrics;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Dashboard.Broker.Transport;

/// <summary>
/// MQTT 5's Maximum Packet Size from a client's CONNECT: the broker never sends that client a larger packet
/// [MQTT-3.1.2-24]; a message that would be larger is dropped for that client only, and counted [MQTT-3.1.2-25].
/// While no connected client set one, a check costs one read.
/// </summary>
internal sealed class ClientPacketSizeLimits(ConnectionRegistry connections, BrokerMetrics metrics) : IMqttPacketHook
{
    private int _limited;

    public void Established(ClientConnection connection)
    {
        if (connection.MaxPacketSize > 0)
        {
            Interlocked.Increment(ref _limited);
        }
    }

    public void Closed(ClientConnection connection)
    {
        if (connection.IsEstablished && connection.MaxPacketSize > 0)
        {
            Interlocked.Decrement(ref _limited);
        }
    }

    /// <summary>
    /// True (and counted) when the PUBLISH carrying <paramref name="message"/> to the connected client <paramref name="clientId"/>,
    /// at <paramref name="qos"/> with its subscription identifiers, would be larger than the client accepts.
    /// </summary>
    public bool Refuses(string clientId, MqttApplicationMessage message, MqttQualityOfServiceLevel qos, IReadOnlyCollection<uint>? identifiers) =>
        Volatile.Read(ref _limited) > 0 && connections.TryGet(clientId, out var connection) && Refuses(connection, message, qos, identifiers);

    /// <summary>True (and counted) when the PUBLISH carrying <paramref name="message"/> is too large for <paramref name="connection"/>.</summary>
    public bool Refuses(ClientConnection connection, MqttApplicationMessage message, MqttQualityOfServiceLevel qos, IReadOnlyCollection<uint>? identifiers)
    {
        if (connection.MaxPacketSize == 0 || PublishSize(message, qos, identifiers) <= connection.MaxPacketSize)
        {
            return false;
        }

        metrics.MessageTooLargeForClient();
        return true;
    }

    /// <summary>
    /// The size of the PUBLISH that carries <paramref name="message"/> to an MQTT 5 client at <paramref name="qos"/>: fixed
    /// header, topic, packet id, every property the message has, the subscription identifiers, and the payload. Exact, as a
    /// client with a small limit (an ESP32 asking for 256 bytes) must get every message that fits.
    /// </summary>
    internal static long PublishSize(MqttApplicationMessage message, MqttQualityOfServiceLevel qos, IReadOnlyCollection<uint>? identifiers)
    {
        long properties = 0;
        properties += message.PayloadFormatIndicator != MqttPayloadFormatIndicator.Unspecified ? 2 : 0;
        properties += message.MessageExpiryInterval > 0 ? 5 : 0;
        properties += message.ContentType is { } contentType ? 3 + Encoding.UTF8.GetByteCount(contentType) : 0;
        properties += message.ResponseTopic is { } responseTopic ? 3 + Encoding.UTF8.GetByteCount(responseTopic) : 0;
        properties += message.CorrelationData is { } correlation ? 3 + correlation.Length : 0;
        foreach (var identifier in identifiers ?? [])
        {
            properties += 1 + VarIntSize(identifier);
        }

        foreach (var property in message.UserProperties ?? [])
        {
            properties += 5 + Encoding.UTF8.GetByteCount(property.Name) + property.ValueBuffer.Length;
        }

        var packetId = qos > MqttQualityOfServiceLevel.AtMostOnce ? 2 : 0;
        var body = 2 + Encoding.UTF8.GetByteCount(message.Topic) + packetId + VarIntSize(properties) + properties + message.Payload.Length;
        return 1 + VarIntSize(body) + body;
    }

    private static int VarIntSize(long value) => value < 128 ? 1 : value < 16_384 ? 2 : value < 2_097_152 ? 3 : 4;
}
