using System.Buffers;
using System.Text;
using Dashboard.Broker;
using Dashboard.Broker.Admin;
using Dashboard.Broker.Subscriptions;
using Dashboard.Broker.Tracking;
using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.Broker;

/// <summary>
/// <see cref="IBrokerPublisher.PublishTrackedAsync"/>: each session's delivery as the broker sees it, with real clients that
/// acknowledge at QoS 1 and 2, read at QoS 0, or are away; and <see cref="BrokerSubscriptions"/> as clients subscribe and leave.
/// </summary>
public sealed class TrackedPublishTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private DashboardApp App => fixture.App;

    private IBrokerPublisher Publisher => App.Services.GetRequiredService<IBrokerPublisher>();

    private static MqttApplicationMessage Message(string topic, MqttQualityOfServiceLevel qos) =>
        new() { Topic = topic, Payload = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes("ON")), QualityOfServiceLevel = qos };

    [Fact]
    public async Task Each_session_reports_its_own_acknowledgement_at_the_qos_it_subscribed_with()
    {
        var topic = "tracked/" + Guid.NewGuid().ToString("N")[..8];
        await using var exactly = await TestClient.ConnectAsync(App, "exactly-" + topic[8..]);
        await exactly.SubscribeAsync(topic, MqttQualityOfServiceLevel.ExactlyOnce);
        await using var atMost = await TestClient.ConnectAsync(App, "atmost-" + topic[8..]);
        await atMost.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtMostOnce);

        using var tracked = await Publisher.PublishTrackedAsync(Message(topic, MqttQualityOfServiceLevel.ExactlyOnce), "tests", CancellationToken.None);
        Assert.True(tracked.Dispatched);
        await exactly.NextOnAsync(topic);
        await atMost.NextOnAsync(topic);
        await DashboardApp.WaitUntilAsync(() => tracked.Deliveries.Count == 2 && tracked.Deliveries.All(d => d.State != DeliveryState.Pending)
            && tracked.Deliveries.Any(d => d.State == DeliveryState.Acknowledged), "both deliveries");

        var byClient = tracked.Deliveries.ToDictionary(d => d.ClientId);
        Assert.Equal((DeliveryState.Acknowledged, MqttQualityOfServiceLevel.ExactlyOnce), (byClient["exactly-" + topic[8..]].State, byClient["exactly-" + topic[8..]].Qos));
        Assert.Equal((DeliveryState.Sent, MqttQualityOfServiceLevel.AtMostOnce), (byClient["atmost-" + topic[8..]].State, byClient["atmost-" + topic[8..]].Qos));
    }

    [Fact]
    public async Task A_message_waiting_for_a_place_in_the_clients_receive_maximum_is_pending_until_it_is_written()
    {
        var topic = "tracked/" + Guid.NewGuid().ToString("N")[..8];
        await using var device = await RawMqttSocket.SubscribeWithReceiveMaximumAsync(App.MqttPort, "one-at-a-time-" + topic[8..], topic, receiveMaximum: 1);

        using var first = await Publisher.PublishTrackedAsync(Message(topic, MqttQualityOfServiceLevel.AtLeastOnce), "tests", CancellationToken.None);
        var firstPublish = await device.ReadPacketAsync();
        using var second = await Publisher.PublishTrackedAsync(Message(topic, MqttQualityOfServiceLevel.AtLeastOnce), "tests", CancellationToken.None);
        await DashboardApp.WaitUntilAsync(() => first.Deliveries is [{ State: DeliveryState.Sent }], "the first sent");
        var clients = App.Services.GetRequiredService<BrokerClients>();
        await DashboardApp.WaitUntilAsync(async () => await clients.FindAsync("one-at-a-time-" + topic[8..]) is { Queued: 0 },
            "the broker's send loop to take the second from the queue (it then waits for a place)");

        Assert.Equal(DeliveryState.Pending, Assert.Single(second.Deliveries).State);

        await device.SendAsync(new MqttPubAckPacket { PacketIdentifier = RawPackets.PublishPacketId(firstPublish) }, MqttProtocolVersion.V500);
        var secondPublish = await device.ReadPacketAsync();
        await DashboardApp.WaitUntilAsync(() => second.Deliveries is [{ State: DeliveryState.Sent }], "the second sent once the first was acknowledged");
        await device.SendAsync(new MqttPubAckPacket { PacketIdentifier = RawPackets.PublishPacketId(secondPublish) }, MqttProtocolVersion.V500);
        await DashboardApp.WaitUntilAsync(() => first.Deliveries is [{ State: DeliveryState.Acknowledged }] && second.Deliveries is [{ State: DeliveryState.Acknowledged }], "both acknowledged");
    }

    [Fact]
    public async Task A_publish_nobody_subscribes_to_has_no_deliveries_and_an_offline_persistent_session_queues_it()
    {
        var topic = "tracked/" + Guid.NewGuid().ToString("N")[..8];
        using (var nobody = await Publisher.PublishTrackedAsync(Message(topic, MqttQualityOfServiceLevel.AtLeastOnce), "tests", CancellationToken.None))
        {
            Assert.True(nobody.Dispatched);
            Assert.Empty(nobody.Deliveries);
        }

        var options = TestClient.Options(App, "away-" + topic[8..]).WithCleanSession(false).Build();
        var away = await TestClient.ConnectAsync(options);
        await away.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        await away.DisconnectAsync();
        await App.WaitForOfflineSessionAsync("away-" + topic[8..]);
        using var queued = await Publisher.PublishTrackedAsync(Message(topic, MqttQualityOfServiceLevel.AtLeastOnce), "tests", CancellationToken.None);
        var delivery = Assert.Single(queued.Deliveries);
        Assert.Equal(("away-" + topic[8..], DeliveryState.Queued), (delivery.ClientId, delivery.State));

        await using var back = await TestClient.ConnectAsync(options); // the queue is handed over: the acknowledgement counts
        await back.NextOnAsync(topic);
        await DashboardApp.WaitUntilAsync(() => queued.Deliveries is [{ State: DeliveryState.Acknowledged }], "the acknowledgement after reconnecting");
    }

    [Fact]
    public async Task A_clients_subscriptions_are_listed_until_it_unsubscribes_or_leaves()
    {
        var id = "lister-" + Guid.NewGuid().ToString("N")[..8];
        var subscriptions = App.Services.GetRequiredService<BrokerSubscriptions>();
        var client = await TestClient.ConnectAsync(App, id);
        await client.SubscribeAsync($"{id}/led/set");
        await client.SubscribeAsync($"{id}/+/cmd");
        Assert.Equal([$"{id}/+/cmd", $"{id}/led/set"], subscriptions.Of(id));

        await client.Client.UnsubscribeAsync($"{id}/+/cmd");
        Assert.Equal([$"{id}/led/set"], subscriptions.Of(id));
        await client.DisconnectAsync();
        await DashboardApp.WaitUntilAsync(() => subscriptions.Of(id).Count == 0, "the subscriptions to go with the connection");
    }
}
