using Dashboard.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.Broker;

/// <summary>MQTT 5 subscription options (§3.8.3.1), with MQTTnet's client and Mosquitto's.</summary>
public sealed class SubscriptionOptionsTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(500);

    private static async Task SubscribeAsync(TestClient client, string filter, Action<MqttTopicFilterBuilder> options)
    {
        var builder = new MqttTopicFilterBuilder().WithTopic(filter).WithAtLeastOnceQoS();
        options(builder);
        await client.Client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(builder.Build()).Build());
    }

    [Fact]
    public async Task A_shared_subscriptions_identifier_comes_with_the_messages_it_delivers()
    {
        await using var app = await DashboardApp.StartAsync();
        var topic = $"jobs/{Guid.NewGuid():N}";
        await using var worker = await TestClient.ConnectAsync(app, version: MqttProtocolVersion.V500);
        await worker.Client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter($"$share/workers/{topic}", MqttQualityOfServiceLevel.AtLeastOnce).WithSubscriptionIdentifier(5).Build());
        await using var publisher = await TestClient.ConnectAsync(app);

        await publisher.PublishAsync(topic, "job 1", MqttQualityOfServiceLevel.AtLeastOnce);

        var message = await worker.NextAsync();
        Assert.Equal("job 1", message.Text());
        Assert.Equal([5u], message.SubscriptionIdentifiers ?? []); // [MQTT-3.3.4-3]
    }

    [Fact]
    public async Task A_retained_message_sent_at_subscribe_carries_the_subscriptions_identifier()
    {
        await using var app = await DashboardApp.StartAsync();
        var topic = $"r5/{Guid.NewGuid():N}";
        await using (var publisher = await TestClient.ConnectAsync(app))
        {
            await publisher.PublishAsync($"{topic}/a", "kept", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
        }

        await using var subscriber = await TestClient.ConnectAsync(app, version: MqttProtocolVersion.V500);
        await subscriber.Client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter($"{topic}/#", MqttQualityOfServiceLevel.AtLeastOnce).WithSubscriptionIdentifier(7).Build());

        var retained = await subscriber.NextAsync();
        Assert.Equal(("kept", true), (retained.Text(), retained.Retain));
        Assert.Equal([7u], retained.SubscriptionIdentifiers ?? []); // [MQTT-3.3.4-3], as for a live message
    }

    [Fact]
    public async Task No_local_keeps_a_clients_own_publishes_from_coming_back_to_it()
    {
        await using var app = await DashboardApp.StartAsync();
        var topic = $"nolocal/{Guid.NewGuid():N}";
        await using var client = await TestClient.ConnectAsync(app, version: MqttProtocolVersion.V500);
        await SubscribeAsync(client, topic, f => f.WithNoLocal());
        await using var other = await TestClient.ConnectAsync(app);

        await client.PublishAsync(topic, "mine", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.True(await client.NothingArrivesAsync(Quiet), "[MQTT-3.8.3-3] its own message came back");
        await other.PublishAsync(topic, "theirs", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal("theirs", (await client.NextAsync()).Text());
    }

    [Fact]
    public async Task Retain_as_published_keeps_the_retain_flag_and_without_it_live_messages_arrive_unflagged()
    {
        await using var app = await DashboardApp.StartAsync();
        var topic = $"rap/{Guid.NewGuid():N}";
        await using var keeps = await TestClient.ConnectAsync(app, version: MqttProtocolVersion.V500);
        await SubscribeAsync(keeps, topic, f => f.WithRetainAsPublished());
        await using var plain = await TestClient.ConnectAsync(app, version: MqttProtocolVersion.V500);
        await SubscribeAsync(plain, topic, _ => { });
        await using var publisher = await TestClient.ConnectAsync(app);

        await publisher.PublishAsync(topic, "state", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);

        Assert.True((await keeps.NextAsync()).Retain);
        Assert.False((await plain.NextAsync()).Retain); // [MQTT-3.3.1-12]
    }

    [Theory]
    [InlineData(MqttRetainHandling.SendAtSubscribe, true, true)]
    [InlineData(MqttRetainHandling.SendAtSubscribeIfNewSubscriptionOnly, true, false)]
    [InlineData(MqttRetainHandling.DoNotSendOnSubscribe, false, false)]
    public async Task Retain_handling_decides_whether_retained_messages_come_at_subscribe_and_again_at_resubscribe(
        MqttRetainHandling handling, bool first, bool again)
    {
        await using var app = await DashboardApp.StartAsync();
        var topic = $"rh/{Guid.NewGuid():N}";
        await using (var publisher = await TestClient.ConnectAsync(app))
        {
            await publisher.PublishAsync(topic, "kept", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
        }

        await using var client = await TestClient.ConnectAsync(app, version: MqttProtocolVersion.V500);
        await SubscribeAsync(client, topic, f => f.WithRetainHandling(handling));
        Assert.Equal(first, !await client.NothingArrivesAsync(Quiet));
        while (!await client.NothingArrivesAsync(TimeSpan.FromMilliseconds(50)))
        {
            await client.NextAsync();
        }

        await SubscribeAsync(client, topic, f => f.WithRetainHandling(handling)); // the same subscription again
        Assert.Equal(again, !await client.NothingArrivesAsync(Quiet));
    }
}
