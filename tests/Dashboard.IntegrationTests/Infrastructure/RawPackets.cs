using System.Text;

namespace Dashboard.IntegrationTests.Infrastructure;

/// <summary>MQTT 3.1.1 packets built byte by byte, so tests can send what a well-behaved client library refuses to.</summary>
public static class RawPackets
{
    public static byte[] Connect(string clientId, bool cleanSession = true, ushort keepAlive = 30) =>
        Packet(0x10, [.. String("MQTT"), 4, (byte)(cleanSession ? 0x02 : 0x00), (byte)(keepAlive >> 8), (byte)keepAlive, .. String(clientId)]);

    public static byte[] Subscribe(ushort packetId, params string[] filters) =>
        Packet(0x82, [(byte)(packetId >> 8), (byte)packetId, .. filters.SelectMany(f => (byte[])[.. String(f), 0])]);

    public static byte[] Subscribe(ushort packetId, string filter, byte qos) =>
        Packet(0x82, [(byte)(packetId >> 8), (byte)packetId, .. String(filter), qos]);

    public static byte[] Publish(string topic, byte[] payload, bool retain = false) =>
        Packet((byte)(0x30 | (retain ? 1 : 0)), [.. String(topic), .. payload]);

    public static byte[] Disconnect() => [0xE0, 0x00];

    /// <summary>An MQTT 5 CONNECT with clean start and no properties.</summary>
    public static byte[] ConnectV5(string clientId, ushort keepAlive = 30) =>
        Packet(0x10, [.. String("MQTT"), 5, 0x02, (byte)(keepAlive >> 8), (byte)keepAlive, 0, .. String(clientId)]);

    /// <summary>The packet id of a QoS 1/2 PUBLISH received by a client: after the fixed header and the topic.</summary>
    public static ushort PublishPacketId(byte[] publish)
    {
        var header = 1;
        while ((publish[header] & 0x80) != 0)
        {
            header++;
        }

        var topicStart = header + 1;
        var topicLength = (publish[topicStart] << 8) | publish[topicStart + 1];
        var id = topicStart + 2 + topicLength;
        return (ushort)((publish[id] << 8) | publish[id + 1]);
    }

    /// <summary>A length-prefixed string field made of exactly these bytes, UTF-8 or not.</summary>
    public static byte[] Field(byte[] bytes) => [(byte)(bytes.Length >> 8), (byte)bytes.Length, .. bytes];

    public static byte[] Field(string value) => String(value);

    /// <summary>A fixed header announcing <paramref name="remainingLength"/> bytes, with no body.</summary>
    public static byte[] Header(byte type, int remainingLength) => [type, .. RemainingLength(remainingLength)];

    public static byte[] Packet(byte type, byte[] body) => [.. Header(type, body.Length), .. body];

    private static byte[] String(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        return [(byte)(bytes.Length >> 8), (byte)bytes.Length, .. bytes];
    }

    private static byte[] RemainingLength(int value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value % 128);
            value /= 128;
            bytes.Add(value > 0 ? (byte)(b | 0x80) : b);
        }
        while (value > 0);
        return [.. bytes];
    }
}
