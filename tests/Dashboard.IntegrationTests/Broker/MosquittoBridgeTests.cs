using Dashboard.Broker.Admin;
using Dashboard.Broker.Subscriptions;
using Dashboard.IntegrationTests.External;
using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.Broker;

/// <summary>
/// A Mosquitto at the edge bridging into the broker, as users who replace a central Mosquitto have: Debian's mosquitto with
/// a bridge configured as its manual shows, its defaults kept (try_private: the bridge bit in CONNECT; notifications: its
/// state under <c>$SYS/broker/connection/…</c>, with a Last Will there).
/// </summary>
public sealed class MosquittoBridgeTests
{
    private const string BridgeId = "edge-bridge";
    private const string State = $"$SYS/broker/connection/{BridgeId}/state";

    [Fact]
    public async Task A_mosquitto_bridge_connects_carries_messages_both_ways_keeps_retained_ones_and_never_echoes()
    {
        await using var app = await DashboardApp.StartAsync();
        await using var central = await TestClient.ConnectAsync(app, "central-" + Guid.NewGuid().ToString("N")[..6]);
        await central.SubscribeAsync("$SYS/broker/connection/+/state");
        await central.SubscribeAsync("sensors/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await central.SubscribeAsync("loop/#", MqttQualityOfServiceLevel.AtLeastOnce);

        await using var edge = await Mosquitto.StartAsync(
            "connection edge",
            $"address 127.0.0.1:{app.MqttPort}",
            $"remote_clientid {BridgeId}",
            "topic sensors/# out 1",
            "topic cmd/# in 1",
            "topic loop/# both 1");

        // Its CONNECT carries a Last Will on its state topic: before, the broker refused the whole CONNECT for it.
        Assert.Equal("1", (await central.NextOnAsync(State)).Text());
        var subscriptions = app.Services.GetRequiredService<BrokerSubscriptions>();
        await DashboardApp.WaitUntilAsync(() => subscriptions.Of(BridgeId).Count == 2, "the bridge's subscriptions");
        var bridge = await app.Services.GetRequiredService<BrokerClients>().FindAsync(BridgeId);
        Assert.Equal("3.1.1 bridge", bridge?.ProtocolVersion); // what the Clients page shows

        // Out: from the edge to the centre.
        await edge.PublishAsync("sensors/boiler/temperature", "61.5");
        Assert.Equal("61.5", (await central.NextOnAsync("sensors/boiler/temperature")).Text());

        // In: a retained command reaches the edge retained, so a device subscribing there later still gets it.
        var live = await edge.StartSubscriberAsync("cmd/#", count: 1, seconds: 8);
        await central.PublishAsync("cmd/boiler/mode", "eco", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
        Assert.Equal(["cmd/boiler/mode eco"], await live);
        Assert.Equal(["cmd/boiler/mode eco"], await edge.SubscribeAsync("cmd/#", count: 1, seconds: 3));

        // Both ways: what the edge publishes comes to the centre once and is not sent back to the edge.
        var atEdge = await edge.StartSubscriberAsync("loop/#", count: 2, seconds: 4);
        await edge.PublishAsync("loop/valve", "open");
        Assert.Equal("open", (await central.NextOnAsync("loop/valve")).Text());
        Assert.Equal(["loop/valve open"], await atEdge);
        Assert.True(await central.NothingArrivesAsync(TimeSpan.FromMilliseconds(300)));

        // The edge's machine dies: its Last Will says so.
        await edge.KillAsync();
        Assert.Equal("0", (await central.NextOnAsync(State)).Text());
    }

    [Fact]
    public async Task Only_the_bridge_itself_publishes_its_state_another_client_naming_it_is_refused()
    {
        await using var app = await DashboardApp.StartAsync(); // anonymous clients, no ACL: only the reserved-topic rule stands
        await using var watcher = await TestClient.ConnectAsync(app);
        await watcher.SubscribeAsync("$SYS/broker/connection/+/state");

        await using var impostor = await TestClient.ConnectAsync(app, version: MQTTnet.Formatter.MqttProtocolVersion.V500);
        var forged = await impostor.PublishAsync(State, "0", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
        Assert.Equal(MQTTnet.MqttClientPublishReasonCode.NotAuthorized, forged.ReasonCode);
        Assert.True(await watcher.NothingArrivesAsync(TimeSpan.FromMilliseconds(300)), "no forged bridge state");

        await using var bridge = await TestClient.ConnectAsync(app, BridgeId, version: MQTTnet.Formatter.MqttProtocolVersion.V500);
        await bridge.PublishAsync(State, "1", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
        Assert.Equal("1", (await watcher.NextOnAsync(State)).Text());
    }
}
