using System.Net;
using System.Net.Sockets;
using Dashboard.Broker.Metrics;
using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.Broker;

/// <summary>
/// A subscriber that stops reading while a publisher floods: the others still get every message, the broker's
/// memory stays bounded by the per-client queue (Broker:MaxQueuedMessages) and what it cannot queue is counted as dropped.
/// </summary>
public sealed class StalledSubscriberTests
{
    private const int MaxQueuedMessages = 100;
    private const int Messages = 6000;
    private const int PayloadSize = 4096; // 24 MiB in all: far more than socket buffers and the queue can hold

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task A_subscriber_that_stops_reading_neither_grows_memory_nor_slows_others(int stalledQos)
    {
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Broker:MaxQueuedMessages"] = MaxQueuedMessages.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        var metrics = app.Services.GetRequiredService<BrokerMetrics>();
        var topic = $"stall/{Guid.NewGuid():N}";

        using var stalled = await StalledSubscriberAsync(app, topic, stalledQos);
        await using var reader = await TestClient.ConnectAsync(app);
        await reader.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        await using var publisher = await TestClient.ConnectAsync(app);
        var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);

        var payload = new string('x', PayloadSize);
        var received = ReceiveAllAsync(reader, topic);
        for (var i = 0; i < Messages; i++)
        {
            await publisher.PublishAsync(topic, payload, MqttQualityOfServiceLevel.AtLeastOnce);
        }

        // The reading subscriber got every message although the stalled one took none after the first few.
        Assert.Equal(Messages, await received);

        // What the stalled client could not take was dropped and counted, not kept.
        Assert.True(metrics.MessagesDropped > 0, "no message was dropped for the stalled subscriber");
        var grown = GC.GetTotalMemory(forceFullCollection: true) - memoryBefore;
        Assert.True(grown < 8L * 1024 * 1024, $"managed memory grew by {grown / 1024 / 1024} MiB while {Messages * PayloadSize / 1024 / 1024} MiB were flooded");

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

    private static async Task<int> ReceiveAllAsync(TestClient reader, string topic)
    {
        var count = 0;
        while (count < Messages)
        {
            await reader.NextOnAsync(topic);
            count++;
        }

        return count;
    }
}
