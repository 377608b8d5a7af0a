using Dashboard.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.Broker;

/// <summary>
/// MQTT 5 Session Expiry Interval (§3.1.2.11.2, §3.14.2.2.2): state is kept after the connection closes only while the
/// interval runs [MQTT-3.1.2-23], a DISCONNECT may change it, and CONNACK's Session Present says whether it was found
/// [MQTT-3.2.2-2] [MQTT-3.2.2-3] — after a restart too.
/// </summary>
public sealed class SessionExpiryTests
{
    [Fact]
    public async Task Expiry_0_ends_the_session_when_the_connection_closes()
    {
        await using var app = await DashboardApp.StartAsync();
        var (topic, clientId) = Names();
        var options = TestClient.Options(app, clientId, version: MqttProtocolVersion.V500).WithCleanStart(false).Build(); // no expiry: 0
        await using (var device = await TestClient.ConnectAsync(options))
        {
            await device.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        }

        await using var publisher = await TestClient.ConnectAsync(app);
        await publisher.PublishAsync(topic, "while away", MqttQualityOfServiceLevel.AtLeastOnce);

        await using var back = await TestClient.ConnectAsync(options);
        Assert.False(back.ConnectResult!.IsSessionPresent);
        await publisher.PublishAsync(topic, "after", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.True(await back.NothingArrivesAsync(TimeSpan.FromMilliseconds(500)), "no queue and no subscription survive");
    }

    [Fact]
    public async Task A_non_zero_expiry_keeps_the_subscriptions_and_queued_messages()
    {
        await using var app = await DashboardApp.StartAsync();
        var (topic, clientId) = Names();
        var options = Persistent(app, clientId, expiry: 60);
        await using (var device = await TestClient.ConnectAsync(options))
        {
            Assert.False(device.ConnectResult!.IsSessionPresent); // no session yet
            await device.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        }

        await using var publisher = await TestClient.ConnectAsync(app);
        await publisher.PublishAsync(topic, "queued", MqttQualityOfServiceLevel.AtLeastOnce);

        await using var back = await TestClient.ConnectAsync(options);
        Assert.True(back.ConnectResult!.IsSessionPresent);
        Assert.Equal("queued", (await back.NextAsync()).Text());
        await publisher.PublishAsync(topic, "live", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal("live", (await back.NextAsync()).Text()); // the subscription is still there
    }

    [Fact]
    public async Task An_expired_session_is_gone_with_its_subscriptions_and_queue()
    {
        await using var app = await DashboardApp.StartAsync();
        var (topic, clientId) = Names();
        await using (var device = await TestClient.ConnectAsync(Persistent(app, clientId, expiry: 2)))
        {
            await device.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        }

        await using var publisher = await TestClient.ConnectAsync(app);
        await publisher.PublishAsync(topic, "queued before expiry", MqttQualityOfServiceLevel.AtLeastOnce);
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // the session's two seconds run out while it is away

        await using var back = await TestClient.ConnectAsync(Persistent(app, clientId, expiry: 60));
        Assert.False(back.ConnectResult!.IsSessionPresent);
        await publisher.PublishAsync(topic, "after expiry", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.True(await back.NothingArrivesAsync(TimeSpan.FromMilliseconds(500)), "neither the queue nor the subscription outlive the expiry");
    }

    [Fact]
    public async Task A_disconnect_can_lengthen_the_expiry()
    {
        await using var app = await DashboardApp.StartAsync();
        var (topic, clientId) = Names();
        var device = await TestClient.ConnectAsync(Persistent(app, clientId, expiry: 1));
        await device.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        await device.Client.DisconnectAsync(new MqttClientDisconnectOptions { SessionExpiryInterval = 3600 });
        await device.DisposeAsync();

        await using var publisher = await TestClient.ConnectAsync(app);
        await publisher.PublishAsync(topic, "kept", MqttQualityOfServiceLevel.AtLeastOnce);
        await Task.Delay(TimeSpan.FromSeconds(2)); // longer than CONNECT's one second

        await using var back = await TestClient.ConnectAsync(Persistent(app, clientId, expiry: 1));
        Assert.True(back.ConnectResult!.IsSessionPresent);
        Assert.Equal("kept", (await back.NextAsync()).Text());
    }

    [Fact]
    public async Task A_disconnect_with_expiry_0_ends_a_persistent_session()
    {
        await using var app = await DashboardApp.StartAsync();
        var (topic, clientId) = Names();
        await using (var raw = await RawMqttSocket.ConnectAsync(app.MqttPort))
        {
            await raw.SendAsync(new MqttConnectPacket { ClientId = clientId, CleanSession = false, KeepAlivePeriod = 60, SessionExpiryInterval = 3600 }, MqttProtocolVersion.V500);
            Assert.Equal(0x20, (await raw.ReadPacketAsync())[0]);
            await raw.SendAsync(new MqttSubscribePacket { PacketIdentifier = 1, TopicFilters = [new MqttTopicFilter { Topic = topic, QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce }] }, MqttProtocolVersion.V500);
            Assert.Equal(0x90, (await raw.ReadPacketAsync())[0]);
            await raw.SendAsync(DisconnectWithExpiry(0)); // which MQTTnet's client cannot send: it leaves a 0 out
            Assert.True(await raw.ClosedByBrokerWithinAsync(TestClient.Patience));
        }

        await using var publisher = await TestClient.ConnectAsync(app);
        await publisher.PublishAsync(topic, "for nobody", MqttQualityOfServiceLevel.AtLeastOnce);

        await using var back = await TestClient.ConnectAsync(Persistent(app, clientId, expiry: 3600));
        Assert.False(back.ConnectResult!.IsSessionPresent);
        Assert.True(await back.NothingArrivesAsync(TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public async Task Setting_an_expiry_in_DISCONNECT_after_CONNECT_set_none_is_a_protocol_error_and_the_will_is_sent()
    {
        await using var app = await DashboardApp.StartAsync();
        var (topic, clientId) = Names();
        await using var watcher = await TestClient.ConnectAsync(app);
        await watcher.SubscribeAsync($"{topic}/status");

        await using (var raw = await RawMqttSocket.ConnectAsync(app.MqttPort))
        {
            await raw.SendAsync(new MqttConnectPacket
            {
                ClientId = clientId,
                CleanSession = false,
                KeepAlivePeriod = 60, // Session Expiry Interval 0
                WillFlag = true,
                WillTopic = $"{topic}/status",
                WillMessage = "offline"u8.ToArray(),
            }, MqttProtocolVersion.V500);
            Assert.Equal(0x20, (await raw.ReadPacketAsync())[0]);
            await raw.SendAsync(DisconnectWithExpiry(3600));

            Assert.Equal([0xE0, 0x01, 0x82], await raw.ReadPacketAsync());
            Assert.True(await raw.ClosedByBrokerWithinAsync(TestClient.Patience));
        }

        Assert.Equal("offline", (await watcher.NextAsync()).Text()); // not a valid DISCONNECT: as if the connection dropped
        await using var back = await TestClient.ConnectAsync(Persistent(app, clientId, expiry: 60));
        Assert.False(back.ConnectResult!.IsSessionPresent); // and the session still ended with the connection
    }

    [Fact]
    public async Task Session_present_is_right_after_a_restart_for_a_kept_and_an_expired_session()
    {
        var database = DashboardApp.NewDatabasePath();
        var (topic, kept) = Names();
        var (_, brief) = Names();
        await using (var app = await DashboardApp.StartAsync(database))
        {
            await using (var device = await TestClient.ConnectAsync(Persistent(app, kept, expiry: 3600)))
            {
                await device.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
            }

            await using (var device = await TestClient.ConnectAsync(Persistent(app, brief, expiry: 2)))
            {
                await device.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
            }

            await using var publisher = await TestClient.ConnectAsync(app);
            await publisher.PublishAsync(topic, "before restart", MqttQualityOfServiceLevel.AtLeastOnce);
        }

        await using (var app = await DashboardApp.StartAsync(database))
        {
            await Task.Delay(TimeSpan.FromSeconds(2.5)); // the brief session's two seconds are over, restart or not

            await using var back = await TestClient.ConnectAsync(Persistent(app, kept, expiry: 3600));
            Assert.True(back.ConnectResult!.IsSessionPresent);
            Assert.Equal("before restart", (await back.NextAsync()).Text());

            await using var gone = await TestClient.ConnectAsync(Persistent(app, brief, expiry: 3600));
            Assert.False(gone.ConnectResult!.IsSessionPresent);
            Assert.True(await gone.NothingArrivesAsync(TimeSpan.FromMilliseconds(500)));
        }
    }

    private static (string Topic, string ClientId) Names() => ($"expiry/{Guid.NewGuid():N}", $"exp-{Guid.NewGuid():N}"[..16]);

    private static MqttClientOptions Persistent(DashboardApp app, string clientId, uint expiry) =>
        TestClient.Options(app, clientId, version: MqttProtocolVersion.V500).WithCleanStart(false).WithSessionExpiryInterval(expiry).Build();

    /// <summary>An MQTT 5 DISCONNECT (normal) carrying a Session Expiry Interval property.</summary>
    private static byte[] DisconnectWithExpiry(uint seconds) =>
        [0xE0, 0x07, 0x00, 0x05, 0x11, (byte)(seconds >> 24), (byte)(seconds >> 16), (byte)(seconds >> 8), (byte)seconds];
}
