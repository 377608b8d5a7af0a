using System.Net.Sockets;
using MQTTnet.Formatter;
using MQTTnet.Packets;

namespace Dashboard.IntegrationTests.Infrastructure;

/// <summary>A bare TCP connection for sending exactly the bytes a test wants, well-formed or not.</summary>
public sealed class RawMqttSocket : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;

    private RawMqttSocket(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public static async Task<RawMqttSocket> ConnectAsync(int port)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync("127.0.0.1", port);
        return new RawMqttSocket(tcp);
    }

    /// <summary>An MQTT 5 client with the given Receive Maximum, subscribed to <paramref name="topic"/> at QoS 1 (CONNACK and SUBACK read).</summary>
    public static async Task<RawMqttSocket> SubscribeWithReceiveMaximumAsync(int port, string clientId, string topic, ushort receiveMaximum)
    {
        var client = await ConnectAsync(port);
        await client.SendAsync(new MqttConnectPacket { ClientId = clientId, CleanSession = true, KeepAlivePeriod = 60, ReceiveMaximum = receiveMaximum }, MqttProtocolVersion.V500);
        Assert.Equal(0x20, (await client.ReadPacketAsync())[0]);
        await client.SendAsync(new MqttSubscribePacket
        {
            PacketIdentifier = 1,
            TopicFilters = [new MqttTopicFilter { Topic = topic, QualityOfServiceLevel = MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce }],
        }, MqttProtocolVersion.V500);
        Assert.Equal(0x90, (await client.ReadPacketAsync())[0]);
        return client;
    }

    /// <summary>A whole packet as read by <see cref="ReadPacketAsync"/>, decoded by MQTTnet's formatter for <paramref name="version"/>.</summary>
    public static MqttPacket Decode(byte[] packet, MqttProtocolVersion version)
    {
        var header = 1;
        while ((packet[header] & 0x80) != 0)
        {
            header++;
        }

        var body = new ArraySegment<byte>(packet, header + 1, packet.Length - header - 1);
        return new MqttPacketFormatterAdapter(version, new MqttBufferWriter(4096, 65535)).Decode(new MQTTnet.Adapter.ReceivedMqttPacket(packet[0], body, packet.Length));
    }

    public static byte[] Encode(MqttPacket packet, MqttProtocolVersion version = MqttProtocolVersion.V311) =>
        new MqttPacketFormatterAdapter(version, new MqttBufferWriter(4096, 65535)).Encode(packet).ToArray();

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    public Task SendAsync(MqttPacket packet, MqttProtocolVersion version = MqttProtocolVersion.V311) => SendAsync(Encode(packet, version));

    /// <summary>Closes the sending side (FIN): the broker reads what was sent, then the end of the connection.</summary>
    public void CloseSending() => _tcp.Client.Shutdown(SocketShutdown.Send);

    /// <summary>Reads what the broker sends until it closes the connection; true when it closed within <paramref name="timeout"/>.</summary>
    public async Task<bool> ClosedByBrokerWithinAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[4096];
        try
        {
            while (await _stream.ReadAsync(buffer, cts.Token) > 0)
            {
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true; // reset by the broker
        }
    }

    /// <summary>Reads at least <paramref name="count"/> bytes (or fewer if the broker closes), within the test patience.</summary>
    public async Task<byte[]> ReadAsync(int count)
    {
        using var cts = new CancellationTokenSource(TestClient.Patience);
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = await _stream.ReadAsync(buffer.AsMemory(read), cts.Token);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        return buffer[..read];
    }

    /// <summary>The next whole packet (fixed header included), or what came before the broker closed.</summary>
    public async Task<byte[]> ReadPacketAsync()
    {
        var header = new List<byte>(await ReadAsync(2));
        while (header.Count >= 2 && header.Count < 5 && (header[^1] & 0x80) != 0)
        {
            header.AddRange(await ReadAsync(1));
        }

        if (header.Count < 2)
        {
            return [.. header];
        }

        var length = 0;
        var multiplier = 1;
        for (var i = 1; i < header.Count; i++)
        {
            length += (header[i] & 0x7F) * multiplier;
            multiplier *= 128;
        }

        return [.. header, .. await ReadAsync(length)];
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
