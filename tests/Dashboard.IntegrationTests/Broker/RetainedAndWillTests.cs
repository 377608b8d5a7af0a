using Dashboard.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.Broker;

public sealed class RetainedAndWillTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private DashboardApp App => fixture.App;

    [Fact]
    public async Task A_retained_message_reaches_late_subscribers_until_it_is_cleared()
    {
        var topic = $"home/{Guid.NewGuid():N}/status";
        await using var publisher = await TestClient.ConnectAsync(App);
        await publisher.PublishAsync(topic, "online", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);

        await using (var late = await TestClient.ConnectAsync(App, webSocket: true))
        {
            await late.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
            var retained = await late.NextAsync();
            Assert.Equal(("online", true), (retained.Text(), retained.Retain));
        }

        await publisher.PublishAsync(topic, "", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
        await using var later = await TestClient.ConnectAsync(App);
        await later.SubscribeAsync(topic);
        Assert.True(await later.NothingArrivesAsync(TimeSpan.FromMilliseconds(500)), "an empty retained publish clears the topic");
    }

    [Fact]
    public async Task The_last_will_is_published_when_a_client_is_killed()
    {
        var topic = $"home/{Guid.NewGuid():N}/status";
        var clientId = $"killed-{Guid.NewGuid():N}"[..20];
        await using var watcher = await TestClient.ConnectAsync(App);
        await watcher.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        await using var device = ExternalProcess.Start("mosquitto_sub",
        [
            "-h", "127.0.0.1", "-p", App.MqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "-i", clientId, "-t", "ignored/topic",
            "--will-topic", topic, "--will-payload", "offline", "--will-qos", "1", "--will-retain",
        ]);
        await App.WaitForClientAsync(clientId);

        device.Kill();

        var will = await watcher.NextAsync();
        Assert.Equal((topic, "offline"), (will.Topic, will.Text()));
        await using var late = await TestClient.ConnectAsync(App);
        await late.SubscribeAsync(topic);
        Assert.Equal("offline", (await late.NextAsync()).Text());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_last_will_is_published_when_a_connection_is_dropped_without_disconnect(bool webSocket)
    {
        var topic = $"home/{Guid.NewGuid():N}/status";
        await using var watcher = await TestClient.ConnectAsync(App);
        await watcher.SubscribeAsync(topic);
        var device = await TestClient.ConnectAsync(TestClient.Options(App, webSocket: webSocket).WithWillTopic(topic).WithWillPayload("offline").Build());

        device.Client.Dispose(); // closes the socket (or aborts the WebSocket) without DISCONNECT

        Assert.Equal("offline", (await watcher.NextAsync()).Text());
    }

    [Fact]
    public async Task No_will_is_sent_after_a_clean_disconnect()
    {
        var topic = $"home/{Guid.NewGuid():N}/status";
        await using var watcher = await TestClient.ConnectAsync(App);
        await watcher.SubscribeAsync(topic);
        var device = await TestClient.ConnectAsync(TestClient.Options(App).WithWillTopic(topic).WithWillPayload("offline").Build());

        await device.DisposeAsync();

        Assert.True(await watcher.NothingArrivesAsync(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task An_mqtt5_disconnect_with_will_message_sends_the_will()
    {
        var topic = $"home/{Guid.NewGuid():N}/status";
        await using var watcher = await TestClient.ConnectAsync(App);
        await watcher.SubscribeAsync(topic);
        await using var device = await TestClient.ConnectAsync(TestClient.Options(App, version: MqttProtocolVersion.V500)
            .WithWillTopic(topic).WithWillPayload("gone on purpose").Build());

        await device.Client.DisconnectAsync(new MqttClientDisconnectOptions { Reason = MqttClientDisconnectOptionsReason.DisconnectWithWillMessage });

        Assert.Equal("gone on purpose", (await watcher.NextAsync()).Text());
    }

    [Fact]
    public async Task The_will_delay_is_honoured_and_a_quick_return_cancels_the_will()
    {
        var topic = $"home/{Guid.NewGuid():N}/status";
        var clientId = $"delayed-{Guid.NewGuid():N}"[..20];
        await using var watcher = await TestClient.ConnectAsync(App);
        await watcher.SubscribeAsync(topic);

        // Killed, then back within the 3 s will delay: the will is cancelled.
        await using (var first = StartDelayedWillClient(clientId, topic, willDelaySeconds: 3))
        {
            await App.WaitForClientAsync(clientId);
            first.Kill();
        }

        await using (var back = StartDelayedWillClient(clientId, topic, willDelaySeconds: 3))
        {
            await App.WaitForClientAsync(clientId);
            Assert.True(await watcher.NothingArrivesAsync(TimeSpan.FromSeconds(4)), "the client returned in time");

            // Killed for good: the will comes, but only after the delay.
            back.Kill();
            var killedAt = DateTime.UtcNow;
            var will = await watcher.NextAsync();
            Assert.Equal("offline", will.Text());
            Assert.True(DateTime.UtcNow - killedAt >= TimeSpan.FromSeconds(2), "the will waited for its delay");
        }
    }

    [Fact]
    public async Task On_takeover_the_old_connection_will_arrives_before_the_new_connection_speaks()
    {
        var topic = $"home/{Guid.NewGuid():N}/status";
        var clientId = $"takeover-{Guid.NewGuid():N}"[..20];
        await using var watcher = await TestClient.ConnectAsync(App);
        await watcher.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        await using var old = await TestClient.ConnectAsync(TestClient.Options(App, clientId)
            .WithWillTopic(topic).WithWillPayload("offline").WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

        await using var replacement = await TestClient.ConnectAsync(App, clientId);
        await replacement.PublishAsync(topic, "online", MqttQualityOfServiceLevel.AtLeastOnce);

        Assert.Equal("offline", (await watcher.NextAsync()).Text());
        Assert.Equal("online", (await watcher.NextAsync()).Text());
    }

    private ExternalProcess StartDelayedWillClient(string clientId, string topic, int willDelaySeconds) =>
        ExternalProcess.Start("mosquitto_sub",
        [
            "-h", "127.0.0.1", "-p", App.MqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-V", "mqttv5", "-i", clientId, "-c", "-x", "60", "-t", "ignored/topic",
            "--will-topic", topic, "--will-payload", "offline",
            "-D", "will", "will-delay-interval", willDelaySeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ]);
}
