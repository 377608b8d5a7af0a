using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Dashboard.Broker.Metrics;
using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.Broker;

/// <summary>
/// Seeded random and mutated MQTT packets over TCP and WebSocket while a well-behaved client keeps round-tripping:
/// the broker must keep serving, stay healthy, shed every fuzz connection and keep its memory bounded.
/// </summary>
[Collection(MemoryBoundCollection.Name)]
public sealed class FuzzTests
{
    private const int PacketsPerTransport = 10_000;
    private const int RoundTripEvery = 500;
    private const int MaxPacketSize = 65_536;

    // Bounded in time as well as count, for a loaded machine; the count is asserted, so a slow broker fails rather than passes.
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(50);

    [Theory]
    [InlineData(false, 20261123)]
    [InlineData(true, 20261124)]
    public async Task The_broker_survives_random_and_mutated_packets(bool webSocket, int seed)
    {
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Broker:MaxPacketSize"] = MaxPacketSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Broker:ConnectTimeout"] = "00:00:03",
        });
        var metrics = app.Services.GetRequiredService<BrokerMetrics>();
        var topic = $"fuzz-good/{Guid.NewGuid():N}";
        await using var good = await TestClient.ConnectAsync(app, webSocket: webSocket);
        await good.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        await RoundTripAsync(good, topic, "before");
        var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);

        var random = new Random(seed);
        var fuzzer = new PacketFuzzer(random);
        var sent = 0;
        var roundTrips = 0;
        var clock = Stopwatch.StartNew();
        while (sent < PacketsPerTransport && clock.Elapsed < Budget)
        {
            await using var connection = webSocket
                ? await FuzzConnection.WebSocketAsync(app.WebSocketUri)
                : await FuzzConnection.TcpAsync(app.MqttPort);
            if (random.Next(10) < 8)
            {
                await connection.SendAsync(fuzzer.ValidConnect());
            }

            var count = random.Next(1, 40);
            for (var i = 0; i < count && sent < PacketsPerTransport; i++)
            {
                if (!await connection.SendAsync(fuzzer.Next()))
                {
                    break; // the broker closed this one: the next connection goes on
                }

                if (++sent % RoundTripEvery == 0)
                {
                    await RoundTripAsync(good, topic, $"rt-{sent}");
                    roundTrips++;
                }
            }
        }

        Assert.True(sent >= PacketsPerTransport, $"only {sent} packets sent within {Budget.TotalSeconds} s");
        Assert.Equal(PacketsPerTransport / RoundTripEvery, roundTrips);
        Assert.True(good.Client.IsConnected, "the well-behaved client was dropped");
        await RoundTripAsync(good, topic, "after");

        // Every fuzz connection is gone (closed by us or refused by the broker); only the good client remains.
        await DashboardApp.WaitUntilAsync(() => metrics.OpenConnections <= 1, "fuzz connections to close");
        using var http = app.CreateHttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode);

        // Generous: ten thousand packets of up to 64 KiB must not leave more than 64 MiB behind.
        var grown = GC.GetTotalMemory(forceFullCollection: true) - memoryBefore;
        Assert.True(grown < 64L * 1024 * 1024, $"managed memory grew by {grown / 1024 / 1024} MiB");
    }

    private static async Task RoundTripAsync(TestClient client, string topic, string payload)
    {
        await client.PublishAsync(topic, payload, MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal(payload, (await client.NextOnAsync(topic)).Text());
    }

    /// <summary>One fuzz connection; sending reports false once the broker has closed it.</summary>
    private sealed class FuzzConnection : IAsyncDisposable
    {
        private readonly TcpClient? _tcp;
        private readonly ClientWebSocket? _ws;

        private FuzzConnection(TcpClient? tcp, ClientWebSocket? ws)
        {
            _tcp = tcp;
            _ws = ws;
        }

        public static async Task<FuzzConnection> TcpAsync(int port)
        {
            var tcp = new TcpClient { NoDelay = true, LingerState = new LingerOption(true, 0) };
            await tcp.ConnectAsync(IPAddress.Loopback, port);
            return new FuzzConnection(tcp, null);
        }

        public static async Task<FuzzConnection> WebSocketAsync(Uri uri)
        {
            var ws = new ClientWebSocket();
            ws.Options.AddSubProtocol("mqtt");
            using var timeout = new CancellationTokenSource(TestClient.Patience);
            await ws.ConnectAsync(uri, timeout.Token);
            return new FuzzConnection(null, ws);
        }

        public async Task<bool> SendAsync(byte[] bytes)
        {
            using var timeout = new CancellationTokenSource(TestClient.Patience);
            try
            {
                if (_tcp is not null)
                {
                    await _tcp.GetStream().WriteAsync(bytes, timeout.Token);
                }
                else if (_ws!.State == WebSocketState.Open)
                {
                    await _ws.SendAsync(bytes, WebSocketMessageType.Binary, endOfMessage: true, timeout.Token);
                }
                else
                {
                    return false;
                }

                return true;
            }
            catch (Exception ex) when (ex is IOException or SocketException or WebSocketException or ObjectDisposedException)
            {
                return false;
            }
        }

        public ValueTask DisposeAsync()
        {
            _tcp?.Dispose(); // linger 0: a reset, so no TIME_WAIT pile-up over hundreds of connections
            _ws?.Abort();
            _ws?.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Valid MQTT 3.1.1 and 5 packets, and the same mutated: bad lengths, bad UTF-8, wildcards, reserved flags.</summary>
    private sealed class PacketFuzzer(Random random)
    {
        private static readonly string[] Topics = ["a", "a/b", "sensors/x/temp", "$SYS/x", "fuzz/retained", "a/b/c/d/e/f/g"];
        private static readonly string[] BadTopics = ["a/+/b", "#", "a/#", "+", "", "a\0b"];
        private static readonly byte[][] BadUtf8 = [[0xC3, 0x28], [0xFF, 0xFE], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xC0, 0xAF]];

        private int _clientNumber;

        public byte[] ValidConnect()
        {
            var clientId = $"fuzz-{_clientNumber++}";
            return random.Next(2) == 0
                ? RawPackets.Connect(clientId, cleanSession: true)
                : RawPackets.Packet(0x10, [.. Str("MQTT"), 5, 0x02, 0, 30, 0, .. Str(clientId)]); // MQTT 5, no properties
        }

        public byte[] Next()
        {
            var valid = Valid();
            return random.Next(10) switch
            {
                0 => valid,
                1 => FlipBytes(valid),
                2 => Truncate(valid),
                3 => BadRemainingLength(valid),
                4 => OversizeLength(),
                5 => ReservedFlags(valid),
                6 => PublishWithTopic(BadTopics[random.Next(BadTopics.Length)]),
                7 => PublishWithTopicBytes([.. Encoding.UTF8.GetBytes("bad/"), .. BadUtf8[random.Next(BadUtf8.Length)]]),
                8 => Garbage(),
                _ => SubscribeWithBadFilter(),
            };
        }

        private byte[] Valid() => random.Next(8) switch
        {
            0 => ValidConnect(),
            1 => ValidPublish(random.Next(3)),
            2 => RawPackets.Subscribe(NextId(), Topic(), "a/+/c", "#"),
            3 => RawPackets.Packet(0xA2, [.. Id(NextId()), .. Str(Topic())]), // UNSUBSCRIBE
            4 => [0xC0, 0x00], // PINGREQ
            5 => RawPackets.Packet((byte)(random.Next(4) switch { 0 => 0x40, 1 => 0x50, 2 => 0x62, _ => 0x70 }), Id(NextId())), // PUBACK, PUBREC, PUBREL, PUBCOMP
            6 => RawPackets.Disconnect(),
            _ => RawPackets.Publish(Topic(), Payload()),
        };

        private byte[] ValidPublish(int qos) =>
            RawPackets.Packet((byte)(0x30 | (qos << 1) | random.Next(2)), [.. Str(Topic()), .. PacketIdIfQos(qos), .. Payload()]);

        private byte[] FlipBytes(byte[] packet)
        {
            var copy = (byte[])packet.Clone();
            for (var i = random.Next(1, 4); i > 0; i--)
            {
                copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
            }

            return copy;
        }

        private byte[] Truncate(byte[] packet) => packet[..random.Next(1, packet.Length)];

        /// <summary>The body kept, its announced length off by a little or a lot.</summary>
        private byte[] BadRemainingLength(byte[] packet)
        {
            var (headerLength, bodyLength) = HeaderOf(packet);
            var wrong = Math.Max(0, bodyLength + random.Next(-5, 6) * (random.Next(2) == 0 ? 1 : 1000));
            return [.. RawPackets.Header(packet[0], wrong), .. packet[headerLength..]];
        }

        /// <summary>Announces more than the broker accepts, up to the largest the encoding allows, or an invalid five-byte length.</summary>
        private byte[] OversizeLength() => random.Next(3) switch
        {
            0 => RawPackets.Header(0x30, 268_435_455),
            1 => RawPackets.Header(0x30, MaxPacketSize + random.Next(1, 1_000_000)),
            _ => [0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F],
        };

        private byte[] ReservedFlags(byte[] packet)
        {
            var copy = (byte[])packet.Clone();
            copy[0] = random.Next(3) switch
            {
                0 => (byte)((copy[0] & 0xF0) | random.Next(16)), // flags that must be 0 or 2
                1 => (byte)(0x36 | (copy[0] & 1)), // PUBLISH with QoS 3
                _ => (byte)(random.Next(2) == 0 ? 0x00 : 0xF0), // reserved packet types (AUTH in 3.1.1)
            };
            return copy;
        }

        private byte[] PublishWithTopic(string topic) => PublishWithTopicBytes(Encoding.UTF8.GetBytes(topic));

        private byte[] PublishWithTopicBytes(byte[] topic) =>
            RawPackets.Packet((byte)(0x30 | (random.Next(2) << 1)), [(byte)(topic.Length >> 8), (byte)topic.Length, .. topic, .. PacketIdIfQos(1), .. Payload()]);

        private byte[] SubscribeWithBadFilter()
        {
            var filter = random.Next(3) switch
            {
                0 => "a/#/b",
                1 => "a+/b",
                _ => "",
            };
            return RawPackets.Packet(0x82, [.. Id(NextId()), .. Str(filter), (byte)random.Next(256)]);
        }

        private byte[] Garbage()
        {
            var bytes = new byte[random.Next(1, 200)];
            random.NextBytes(bytes);
            return bytes;
        }

        private string Topic() => Topics[random.Next(Topics.Length)];

        private byte[] Payload()
        {
            var bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            return bytes;
        }

        private byte[] PacketIdIfQos(int qos) => qos > 0 ? Id(NextId()) : [];

        private ushort NextId() => (ushort)random.Next(0, 65536); // 0 is itself invalid

        private static byte[] Id(ushort id) => [(byte)(id >> 8), (byte)id];

        private static byte[] Str(string value)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            return [(byte)(bytes.Length >> 8), (byte)bytes.Length, .. bytes];
        }

        private static (int HeaderLength, int BodyLength) HeaderOf(byte[] packet)
        {
            var length = 0;
            var multiplier = 1;
            var i = 1;
            while (i < packet.Length && i < 5)
            {
                var b = packet[i++];
                length += (b & 0x7F) * multiplier;
                multiplier *= 128;
                if ((b & 0x80) == 0)
                {
                    break;
                }
            }

            return (i, length);
        }
    }
}

/// <summary>
/// Tests that bound the process's managed memory run alone: GC.GetTotalMemory counts every app in the test
/// process, and other test classes starting and stopping apps at the same time would blur the figure.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryBoundCollection
{
    public const string Name = "Memory bound";
}
