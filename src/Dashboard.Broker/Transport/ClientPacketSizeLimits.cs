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

    /// <summary>True (and counted) when <paramref name="message"/> is too large for the connected client <paramref name="clientId"/>.</summary>
    public bool Refuses(string clientId, MqttApplicationMessage message) =>
        Volatile.Read(ref _limited) > 0 && connections.TryGet(clientId, out var connection) && Refuses(connection, message);

    /// <summary>True (and counted) when <paramref name="message"/> is too large for <paramref name="connection"/>.</summary>
    public bool Refuses(ClientConnection connection, MqttApplicationMessage message)
    {
        if (connection.MaxPacketSize == 0 || PublishSize(message) <= connection.MaxPacketSize)
        {
            return false;
        }

        metrics.MessageTooLargeForClient();
        return true;
    }

    /// <summary>
    /// At least the size of the PUBLISH that carries <paramref name="message"/> to an MQTT 5 client: fixed header, topic,
    /// packet id, every property the message has (subscription identifiers counted at their largest) and the payload.
    /// </summary>
    internal static long PublishSize(MqttApplicationMessage message)
    {
        long properties = 0;
        properties += message.PayloadFormatIndicator != MqttPayloadFormatIndicator.Unspecified ? 2 : 0;
        properties += message.MessageExpiryInterval > 0 ? 5 : 0;
        properties += message.ContentType is { } contentType ? 3 + Encoding.UTF8.GetByteCount(contentType) : 0;
        properties += message.ResponseTopic is { } responseTopic ? 3 + Encoding.UTF8.GetByteCount(responseTopic) : 0;
        properties += message.CorrelationData is { } correlation ? 3 + correlation.Length : 0;
        properties += 6 * 4; // a few subscription identifiers (1 + up to 4 bytes each), which depend on the receiver
        foreach (var property in message.UserProperties ?? [])
        {
            properties += 5 + Encoding.UTF8.GetByteCount(property.Name) + property.ValueBuffer.Length;
        }

        var body = 2 + Encoding.UTF8.GetByteCount(message.Topic) + 2 + VarIntSize(properties) + properties + message.Payload.Length;
        return 1 + VarIntSize(body) + body;
    }

    private static int VarIntSize(long value) => value < 128 ? 1 : value < 16_384 ? 2 : value < 2_097_152 ? 3 : 4;
}
