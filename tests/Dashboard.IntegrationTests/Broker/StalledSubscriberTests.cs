using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using Dashboard.Broker.Metrics;
using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.Broker;

/// <summary>
/// A subscriber that stops reading while a publisher floods: the others still get every message, the broker's
/// memory stays bounded by the per-client queue (Broker:MaxQueuedMessages) and what it cannot queue is counted as dropped.
/// </summary>
[Collection(MemoryBoundCollection.Name)]
public sealed class StalledSubscriberTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int MaxQueuedMessages = 100;
    private const int Messages = 6000;
    private const int Round = MaxQueuedMessages / 2;
    private const int PayloadSize = 4096; // 24 MiB in all: far more than socket buffers and the queue can hold

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, false)]
    [InlineData(1, true)]
    public async Task A_subscriber_that_stops_reading_neither_grows_memory_nor_slows_others(int stalledQos, bool webSocket)
    {
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Broker:MaxQueuedMessages"] = MaxQueuedMessages.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // The WebSocket pipes hold up to MaxPacketSize + 64 KiB each way: kept small so the bound below is tight.
            ["Broker:MaxPacketSize"] = "16384",
        });
        var metrics = app.Services.GetRequiredService<BrokerMetrics>();
        var topic = $"stall/{Guid.NewGuid():N}";

        using IDisposable stalled = webSocket
            ? await StalledWebSocketSubscriberAsync(app, topic, stalledQos)
            : await StalledSubscriberAsync(app, topic, stalledQos);
        await using var reader = await TestClient.ConnectAsync(app);
        await reader.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        await using var publisher = await TestClient.ConnectAsync(app);
        var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);

        // In rounds smaller than the queue, so the reading subscriber never overflows its own queue however loaded
        // the machine: it must get every message, although the stalled one takes none after the first few.
        var payload = new string('x', PayloadSize);
        for (var sent = 0; sent < Messages; sent += Round)
        {
            for (var i = 0; i < Round; i++)
            {
                await publisher.PublishAsync(topic, $"{sent + i}:{payload}", MqttQualityOfServiceLevel.AtLeastOnce);
            }

            for (var i = 0; i < Round; i++)
            {
                Assert.StartsWith($"{sent + i}:", (await reader.NextOnAsync(topic)).Text(), StringComparison.Ordinal);
            }
        }

        // What the stalled client could not take was dropped and counted, not kept.
        Assert.True(metrics.MessagesDropped > 0, "no message was dropped for the stalled subscriber");
        var grown = GC.GetTotalMemory(forceFullCollection: true) - memoryBefore;
        output.WriteLine($"grown {grown / 1024} KiB, dropped {metrics.MessagesDropped}");
        // Bounded, not zero: besides the queue, a QoS 1 message stays held until acknowledged once it is written, and
        // the kernel's send buffer for the stalled socket grows to megabytes (tcp_wmem); kept, all 23 MiB would show.
        const long flooded = (long)Messages * PayloadSize;
        Assert.True(grown < flooded / 2, $"managed memory grew by {grown / 1024 / 1024} MiB while {flooded / 1024 / 1024} MiB were flooded");

        // Once it goes, the broker forgets it and carries on.
        var connectionsWithStalled = metrics.OpenConnections;
        stalled.Dispose();
        await DashboardApp.WaitUntilAsync(() => metrics.OpenConnections < connectionsWithStalled, "the stalled client's connection to close");
        await publisher.PublishAsync(topic, "after", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal("after", (await reader.NextOnAsync(topic)).Text());
    }

    /// <summary>A raw TCP subscriber with a small receive window that reads CONNACK and SUBACK, then nothing more.</summary>
    private static async Task<TcpClient> StalledSubscriberAsync(DashboardApp app, string topic, int qos)
    {
        var tcp = new TcpClient { NoDelay = true, ReceiveBufferSize = 4096, LingerState = new LingerOption(true, 0) };
        await tcp.ConnectAsync(IPAddress.Loopback, app.MqttPort);
        var stream = tcp.GetStream();
        var clientId = $"stalled-{Guid.NewGuid():N}"[..20];
        await stream.WriteAsync(RawPackets.Connect(clientId, keepAlive: 0)); // no keep-alive: the broker may not drop it for silence
        await stream.WriteAsync(RawPackets.Subscribe(1, topic, (byte)qos));
        var ack = new byte[4 + 5]; // CONNACK, SUBACK
        using var timeout = new CancellationTokenSource(TestClient.Patience);
        await stream.ReadExactlyAsync(ack, timeout.Token);
        Assert.Equal([0x20, 0x02, 0x00, 0x00, 0x90, 0x03, 0x00, 0x01, (byte)qos], ack);
        await app.WaitForClientAsync(clientId);
        return tcp;
    }

    /// <summary>The same over WebSocket: it reads CONNACK and SUBACK, then never calls ReceiveAsync again.</summary>
    private static async Task<ClientWebSocket> StalledWebSocketSubscriberAsync(DashboardApp app, string topic, int qos)
    {
        var ws = new ClientWebSocket();
        ws.Options.AddSubProtocol("mqtt");
        using var timeout = new CancellationTokenSource(TestClient.Patience);
        await ws.ConnectAsync(app.WebSocketUri, timeout.Token);
        var clientId = $"stalled-{Guid.NewGuid():N}"[..20];
        await ws.SendAsync(RawPackets.Connect(clientId, keepAlive: 0), WebSocketMessageType.Binary, true, timeout.Token);
        await ws.SendAsync(RawPackets.Subscribe(1, topic, (byte)qos), WebSocketMessageType.Binary, true, timeout.Token);
        var ack = new byte[4 + 5];
        var read = 0;
        while (read < ack.Length)
        {
            read += (await ws.ReceiveAsync(ack.AsMemory(read), timeout.Token)).Count;
        }

        Assert.Equal([0x20, 0x02, 0x00, 0x00, 0x90, 0x03, 0x00, 0x01, (byte)qos], ack);
        await app.WaitForClientAsync(clientId);
        return ws;
    }
}
