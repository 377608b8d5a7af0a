using System.Collections.Concurrent;
using System.Text;
using Dashboard.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using Xunit.Abstractions;

namespace Dashboard.IntegrationTests.Broker;

/// <summary>
/// Acknowledged means stored: whatever the broker has answered with PUBACK and must keep (a retained message, a message
/// owed to a persistent session, offline or with it in flight) is there after the process is killed with SIGKILL.
/// </summary>
public sealed class CrashDurabilityTests(ITestOutputHelper output)
{
    private const int Publishers = 4;

    [Fact]
    public async Task Every_acknowledged_message_is_there_after_kill_9()
    {
        var database = DashboardApp.NewDatabasePath();
        Directory.CreateDirectory(Path.GetDirectoryName(database)!);
        var run = Guid.NewGuid().ToString("N")[..8];
        var (offlineId, inFlightId) = ($"offline-{run}", $"inflight-{run}");
        var queued = new ConcurrentDictionary<string, bool>();
        var retained = new ConcurrentDictionary<string, bool>();

        await using (var app = await AppProcess.StartAsync(database))
        {
            // Subscribed (SUBACK waits for the session to be stored too), then gone: its messages wait in the broker's queue.
            await using (var offline = await TestClient.ConnectAsync(Persistent(app.MqttPort, offlineId)))
            {
                await offline.SubscribeAsync($"crash/{run}/q/#", MqttQualityOfServiceLevel.AtLeastOnce);
            }

            // Connected and never acknowledging (nor reading): its messages are in flight when the process dies.
            await using var inFlight = await RawMqttSocket.ConnectAsync(app.MqttPort);
            await inFlight.SendAsync(RawPackets.Connect(inFlightId, cleanSession: false));
            Assert.Equal(0x20, (await inFlight.ReadPacketAsync())[0]);
            await inFlight.SendAsync(RawPackets.Subscribe(1, $"crash/{run}/q/#", qos: 1));
            Assert.Equal(0x90, (await inFlight.ReadPacketAsync())[0]);

            using var stop = new CancellationTokenSource();
            var publishing = Enumerable.Range(0, Publishers).Select(p => Task.Run(async () =>
            {
                await using var publisher = await TestClient.ConnectAsync(TestClient.Options(app.MqttPort, $"pub-{p}-{run}").Build());
                for (var i = 0; i < 5_000 && !stop.IsCancellationRequested; i++)
                {
                    var retain = i % 2 == 1;
                    var topic = retain ? $"crash/{run}/r/{p}/{i}" : $"crash/{run}/q/{p}/{i}";
                    await publisher.PublishAsync(topic, $"{p}-{i}", MqttQualityOfServiceLevel.AtLeastOnce, retain);
                    (retain ? retained : queued)[topic] = true; // PUBACK received
                }
            })).ToArray();

            await DashboardApp.WaitUntilAsync(() => queued.Count + retained.Count >= 600 || publishing.Any(t => t.IsFaulted), "600 acknowledged messages",
                TestClient.Patience * 3); // each PUBACK waits for a group commit: slow on a busy machine, and that is all it is
            Assert.DoesNotContain(publishing, t => t.IsCompleted);
            await app.KillAsync();
            await stop.CancelAsync();
            await Task.WhenAll(publishing.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        }

        output.WriteLine($"acknowledged before kill -9: {queued.Count} queued, {retained.Count} retained");

        await using var restarted = await DashboardApp.StartAsync(database);
        var backOffline = await ReceiveAllAsync(restarted.MqttPort, offlineId, filter: null, expected: queued.Keys);
        var backInFlight = await ReceiveAllAsync(restarted.MqttPort, inFlightId, filter: null, expected: queued.Keys);
        var backRetained = await ReceiveAllAsync(restarted.MqttPort, $"reader-{run}", filter: $"crash/{run}/r/#", expected: retained.Keys);
        output.WriteLine($"after restart: offline session {backOffline.Count}, in-flight session {backInFlight.Count}, retained {backRetained.Count}");

        Assert.Empty(queued.Keys.Except(backOffline));
        Assert.Empty(queued.Keys.Except(backInFlight));
        Assert.Empty(retained.Keys.Except(backRetained));
    }

    [Fact]
    public async Task A_QoS_2_publish_resent_after_a_reconnect_is_delivered_once()
    {
        await using var app = await DashboardApp.StartAsync();
        var topic = $"once/{Guid.NewGuid():N}";
        var publisherId = $"qos2-{Guid.NewGuid():N}"[..16];
        await using var subscriber = await TestClient.ConnectAsync(app);
        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.ExactlyOnce);
        var publish = new MqttPublishPacket
        {
            Topic = topic,
            PayloadSegment = Encoding.UTF8.GetBytes("exactly once"),
            QualityOfServiceLevel = MqttQualityOfServiceLevel.ExactlyOnce,
            PacketIdentifier = 7,
        };

        // PUBLISH, PUBREC back, then the connection drops before the publisher's PUBREL.
        await using (var first = await RawMqttSocket.ConnectAsync(app.MqttPort))
        {
            await first.SendAsync(RawPackets.Connect(publisherId, cleanSession: false));
            Assert.Equal(0x20, (await first.ReadPacketAsync())[0]);
            await first.SendAsync(publish);
            Assert.Equal(new byte[] { 0x50, 0x02, 0x00, 0x07 }, await first.ReadPacketAsync());
        }

        Assert.Equal("exactly once", (await subscriber.NextAsync()).Text());

        // The publisher comes back to its session and, as the specification requires of it, sends the PUBLISH again.
        await using var second = await RawMqttSocket.ConnectAsync(app.MqttPort);
        await second.SendAsync(RawPackets.Connect(publisherId, cleanSession: false));
        Assert.Equal(new byte[] { 0x20, 0x02, 0x01, 0x00 }, await second.ReadPacketAsync()); // session present
        publish.Dup = true;
        await second.SendAsync(publish);
        Assert.Equal(new byte[] { 0x50, 0x02, 0x00, 0x07 }, await second.ReadPacketAsync());
        await second.SendAsync(new MqttPubRelPacket { PacketIdentifier = 7 });
        Assert.Equal(new byte[] { 0x70, 0x02, 0x00, 0x07 }, await second.ReadPacketAsync());

        Assert.True(await subscriber.NothingArrivesAsync(TimeSpan.FromMilliseconds(500)));

        // After PUBREL the id is free again: a new message with it is delivered.
        publish.Dup = false;
        publish.PayloadSegment = Encoding.UTF8.GetBytes("a new one");
        await second.SendAsync(publish);
        Assert.Equal(new byte[] { 0x50, 0x02, 0x00, 0x07 }, await second.ReadPacketAsync());
        Assert.Equal("a new one", (await subscriber.NextAsync()).Text());
    }

    private static MqttClientOptions Persistent(int port, string clientId) =>
        TestClient.Options(port, clientId).WithCleanSession(false).Build();

    /// <summary>Connects to the session (or subscribes afresh) and collects topics until every expected one came or nothing more arrives.</summary>
    private static async Task<HashSet<string>> ReceiveAllAsync(int port, string clientId, string? filter, ICollection<string> expected)
    {
        var topics = new HashSet<string>(StringComparer.Ordinal);
        await using var client = await TestClient.ConnectAsync(Persistent(port, clientId));
        if (filter is not null)
        {
            await client.SubscribeAsync(filter, MqttQualityOfServiceLevel.AtLeastOnce);
        }

        while (!expected.All(topics.Contains))
        {
            try
            {
                topics.Add((await client.NextAsync(TimeSpan.FromSeconds(3))).Topic);
            }
            catch (TimeoutException)
            {
                break; // what is missing stays missing: the asserts name it
            }
        }

        return topics;
    }
}
