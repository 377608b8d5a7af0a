using Dashboard.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.Broker;

/// <summary>
/// Which subscribers a publish reaches (§4.7, topic names and filters), now that the broker finds them through its own
/// subscription index: the specification's examples, the '$' rule, and the index following sessions that end, start
/// clean or unsubscribe.
/// </summary>
public sealed class TopicRoutingTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(500);

    private DashboardApp App => fixture.App;

    private static readonly string[] Topics =
    [
        "sport", "sport/tennis/player1", "sport/tennis/player1/ranking", "sport/tennis/player1/score/wimbledon",
        "sport/tennis/player2", "sportbook", "/finance", "finance", "sport//x",
    ];

    // Each filter with the topics above it matches, from §4.7.1's examples; a '+' or '#' never crosses the prefix.
    public static TheoryData<string, string[]> Filters => new()
    {
        { "sport/tennis/player1/#", ["sport/tennis/player1", "sport/tennis/player1/ranking", "sport/tennis/player1/score/wimbledon"] },
        { "sport/#", ["sport", "sport/tennis/player1", "sport/tennis/player1/ranking", "sport/tennis/player1/score/wimbledon", "sport/tennis/player2", "sport//x"] },
        { "#", Topics },
        { "sport/tennis/+", ["sport/tennis/player1", "sport/tennis/player2"] },
        { "sport/+", [] },
        { "+", ["sport", "sportbook", "finance"] },
        { "+/+", ["/finance"] },
        { "/+", ["/finance"] },
        { "+/tennis/#", ["sport/tennis/player1", "sport/tennis/player1/ranking", "sport/tennis/player1/score/wimbledon", "sport/tennis/player2"] },
        { "+/+/player1/+", ["sport/tennis/player1/ranking"] },
        { "sport/+/x", ["sport//x"] },
        { "+/#", Topics },
        { "sport/tennis/player1", ["sport/tennis/player1"] },
    };

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task A_filter_receives_exactly_the_topics_the_specification_says(string filter, string[] expected)
    {
        var prefix = $"route/{Guid.NewGuid():N}";
        await using var subscriber = await TestClient.ConnectAsync(App, version: MqttProtocolVersion.V500);
        await subscriber.SubscribeAsync($"{prefix}/{filter}", MqttQualityOfServiceLevel.AtLeastOnce);
        var done = $"{prefix}-done";
        await subscriber.SubscribeAsync(done, MqttQualityOfServiceLevel.AtLeastOnce);
        await using var publisher = await TestClient.ConnectAsync(App, version: MqttProtocolVersion.V500);

        foreach (var topic in Topics)
        {
            await publisher.PublishAsync($"{prefix}/{topic}", topic, MqttQualityOfServiceLevel.AtLeastOnce);
        }

        await publisher.PublishAsync(done, "", MqttQualityOfServiceLevel.AtLeastOnce);
        var received = new List<string>();
        for (var message = await subscriber.NextAsync(); message.Topic != done; message = await subscriber.NextAsync())
        {
            received.Add(message.Text());
        }

        Assert.Equal(expected, received);
    }

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task Retained_messages_sent_at_subscribe_follow_the_same_rule(string filter, string[] expected)
    {
        var prefix = $"retained-route/{Guid.NewGuid():N}";
        await using var publisher = await TestClient.ConnectAsync(App);
        foreach (var topic in Topics)
        {
            await publisher.PublishAsync($"{prefix}/{topic}", topic, MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
        }

        await using var subscriber = await TestClient.ConnectAsync(App, version: MqttProtocolVersion.V500);
        await subscriber.SubscribeAsync($"{prefix}/{filter}", MqttQualityOfServiceLevel.AtLeastOnce);
        var done = $"{prefix}-done";
        await subscriber.SubscribeAsync(done, MqttQualityOfServiceLevel.AtLeastOnce);
        await publisher.PublishAsync(done, "", MqttQualityOfServiceLevel.AtLeastOnce);
        var received = new List<string>();
        for (var message = await subscriber.NextAsync(); message.Topic != done; message = await subscriber.NextAsync())
        {
            Assert.True(message.Retain);
            received.Add(message.Text());
        }

        Assert.Equal(expected.Order(), received.Order());
        foreach (var topic in Topics)
        {
            await publisher.PublishAsync($"{prefix}/{topic}", "", MqttQualityOfServiceLevel.AtLeastOnce, retain: true); // cleared
        }
    }

    [Fact]
    public async Task Overlapping_filters_of_one_client_deliver_a_message_once_with_each_subscription_identifier()
    {
        var prefix = $"route/{Guid.NewGuid():N}";
        await using var subscriber = await TestClient.ConnectAsync(App, version: MqttProtocolVersion.V500);
        await subscriber.Client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter($"{prefix}/#", MqttQualityOfServiceLevel.AtLeastOnce).WithSubscriptionIdentifier(1).Build());
        await subscriber.Client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter($"{prefix}/+", MqttQualityOfServiceLevel.AtMostOnce).WithSubscriptionIdentifier(2).Build());
        await using var publisher = await TestClient.ConnectAsync(App);

        await publisher.PublishAsync($"{prefix}/a", "once", MqttQualityOfServiceLevel.AtLeastOnce);

        var message = await subscriber.NextAsync();
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, message.QualityOfServiceLevel); // the highest granted [MQTT-3.3.4-2]
        Assert.Equal([1u, 2u], message.SubscriptionIdentifiers.Order()); // [MQTT-3.3.4-3]
        Assert.True(await subscriber.NothingArrivesAsync(Quiet), "the message came twice");
    }

    [Fact]
    public async Task A_wildcard_filter_does_not_receive_the_brokers_sys_topics()
    {
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?> { ["Broker:SysInterval"] = "00:00:01" });
        await using var everything = await TestClient.ConnectAsync(app);
        await everything.SubscribeAsync("#");
        await everything.SubscribeAsync("+/broker/clients/connected");
        await using var sys = await TestClient.ConnectAsync(app);
        await sys.SubscribeAsync("$SYS/broker/clients/+");

        // Two rounds of statistics reached the $SYS subscriber [MQTT-4.7.2-1]: none reached the wildcards.
        await sys.NextOnAsync("$SYS/broker/clients/connected");
        await sys.NextOnAsync("$SYS/broker/clients/connected");
        Assert.True(await everything.NothingArrivesAsync(Quiet), "'#' or '+/…' received a $SYS topic");
    }

    [Fact]
    public async Task A_clean_start_leaves_nothing_of_the_old_sessions_subscriptions()
    {
        var prefix = $"route/{Guid.NewGuid():N}";
        var clientId = $"clean-{Guid.NewGuid():N}";
        await using (var old = await TestClient.ConnectAsync(TestClient.Options(App, clientId, version: MqttProtocolVersion.V500)
            .WithCleanStart(false).WithSessionExpiryInterval(600).Build()))
        {
            await old.SubscribeAsync($"{prefix}/old/#", MqttQualityOfServiceLevel.AtLeastOnce);
            await old.DisconnectAsync();
        }

        await using var renewed = await TestClient.ConnectAsync(TestClient.Options(App, clientId, version: MqttProtocolVersion.V500).WithCleanStart().Build());
        Assert.False(renewed.ConnectResult!.IsSessionPresent);
        await renewed.SubscribeAsync($"{prefix}/new", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var publisher = await TestClient.ConnectAsync(App, version: MqttProtocolVersion.V500);

        var toOld = await publisher.PublishAsync($"{prefix}/old/x", "for the old session", MqttQualityOfServiceLevel.AtLeastOnce);
        await publisher.PublishAsync($"{prefix}/new", "for the new one", MqttQualityOfServiceLevel.AtLeastOnce);

        Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, toOld.ReasonCode);
        Assert.Equal("for the new one", (await renewed.NextAsync()).Text());
        Assert.True(await renewed.NothingArrivesAsync(Quiet));
    }

    [Fact]
    public async Task After_unsubscribing_or_leaving_a_client_receives_nothing_and_the_publisher_is_told_nobody_subscribes()
    {
        var prefix = $"route/{Guid.NewGuid():N}";
        await using var publisher = await TestClient.ConnectAsync(App, version: MqttProtocolVersion.V500);
        await using var subscriber = await TestClient.ConnectAsync(App, version: MqttProtocolVersion.V500);
        await subscriber.SubscribeAsync($"{prefix}/+", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal(MqttClientPublishReasonCode.Success, (await publisher.PublishAsync($"{prefix}/a", "1", MqttQualityOfServiceLevel.AtLeastOnce)).ReasonCode);
        Assert.Equal("1", (await subscriber.NextAsync()).Text());

        await subscriber.Client.UnsubscribeAsync($"{prefix}/+");
        Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, (await publisher.PublishAsync($"{prefix}/a", "2", MqttQualityOfServiceLevel.AtLeastOnce)).ReasonCode);
        Assert.True(await subscriber.NothingArrivesAsync(Quiet));

        await subscriber.SubscribeAsync($"{prefix}/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await subscriber.DisconnectAsync();
        Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, (await publisher.PublishAsync($"{prefix}/a", "3", MqttQualityOfServiceLevel.AtLeastOnce)).ReasonCode);
    }

    [Fact]
    public async Task A_publish_that_only_an_offline_session_or_a_shared_group_takes_is_not_reported_as_unsubscribed()
    {
        var prefix = $"route/{Guid.NewGuid():N}";
        var offlineId = $"offline-{Guid.NewGuid():N}";
        await using (var offline = await TestClient.ConnectAsync(TestClient.Options(App, offlineId, version: MqttProtocolVersion.V500)
            .WithCleanStart(false).WithSessionExpiryInterval(600).Build()))
        {
            await offline.SubscribeAsync($"{prefix}/stored", MqttQualityOfServiceLevel.AtLeastOnce);
            await offline.DisconnectAsync();
        }

        await using var member = await TestClient.ConnectAsync(App, version: MqttProtocolVersion.V500);
        await member.SubscribeAsync($"$share/g/{prefix}/shared", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var publisher = await TestClient.ConnectAsync(App, version: MqttProtocolVersion.V500);

        Assert.Equal(MqttClientPublishReasonCode.Success, (await publisher.PublishAsync($"{prefix}/stored", "kept", MqttQualityOfServiceLevel.AtLeastOnce)).ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.Success, (await publisher.PublishAsync($"{prefix}/shared", "one of the group", MqttQualityOfServiceLevel.AtLeastOnce)).ReasonCode);
        Assert.Equal("one of the group", (await member.NextAsync()).Text());

        await using var back = await TestClient.ConnectAsync(TestClient.Options(App, offlineId, version: MqttProtocolVersion.V500)
            .WithCleanStart(false).WithSessionExpiryInterval(600).Build());
        Assert.Equal("kept", (await back.NextAsync()).Text());
    }

    [Fact]
    public async Task The_subscription_count_under_sys_follows_subscribes_unsubscribes_and_sessions_that_end()
    {
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?> { ["Broker:SysInterval"] = "00:00:01" });
        await using var watcher = await TestClient.ConnectAsync(app);
        await watcher.SubscribeAsync("$SYS/broker/subscriptions/count");
        await CountIsAsync(watcher, 1); // the watcher's own

        var devices = new List<TestClient>();
        for (var i = 0; i < 20; i++)
        {
            var device = await TestClient.ConnectAsync(app);
            await device.SubscribeAsync($"cmnd/device{i}/#");
            devices.Add(device);
        }

        await devices[0].SubscribeAsync("$share/workers/jobs/#");
        await CountIsAsync(watcher, 22);

        for (var i = 0; i < 10; i++)
        {
            await devices[i].DisconnectAsync(); // a clean session ends with its connection
        }

        for (var i = 10; i < 15; i++)
        {
            await devices[i].Client.UnsubscribeAsync($"cmnd/device{i}/#");
        }

        await CountIsAsync(watcher, 6); // the watcher, 5 devices still subscribed; the shared member left with device 0

        var clientId = $"plug-{Guid.NewGuid():N}";
        await using (var persistent = await TestClient.ConnectAsync(TestClient.Options(app, clientId).WithCleanSession(false).Build()))
        {
            await persistent.SubscribeAsync("cmnd/plug/#");
            await persistent.SubscribeAsync("cmnd/plug/power");
            await persistent.DisconnectAsync();
        }

        await CountIsAsync(watcher, 8); // kept while the session is offline
        await using var renewed = await TestClient.ConnectAsync(TestClient.Options(app, clientId).WithCleanSession().Build());
        await CountIsAsync(watcher, 6); // gone with the session a clean start replaced

        foreach (var device in devices)
        {
            await device.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_client_with_50000_filters_leaving_does_not_stall_the_broker()
    {
        // An attacker's (or a careless script's) flood of subscriptions, then a disconnect: forgetting them must not hold up
        // every other client's SUBSCRIBE and PUBLISH (it took minutes when each filter's removal scanned the client's list).
        // Broker:MaxSubscriptionsPerClient (10,000 by default) is lifted, as an admin may for a large Home Assistant.
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?> { ["Broker:MaxSubscriptionsPerClient"] = "0" });
        var prefix = $"flood/{Guid.NewGuid():N}";
        await using (var flood = await TestClient.ConnectAsync(app))
        {
            for (var batch = 0; batch < 100; batch++)
            {
                var options = new MqttClientSubscribeOptionsBuilder();
                for (var i = 0; i < 500; i++)
                {
                    options.WithTopicFilter($"{prefix}/{batch * 500 + i}/cmnd/#");
                }

                await flood.Client.SubscribeAsync(options.Build());
            }

            await flood.DisconnectAsync();
        }

        await using var subscriber = await TestClient.ConnectAsync(app);
        await subscriber.SubscribeAsync($"{prefix}-after", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var publisher = await TestClient.ConnectAsync(app);
        await publisher.PublishAsync($"{prefix}-after", "still here", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal("still here", (await subscriber.NextAsync()).Text());
    }

    private static async Task CountIsAsync(TestClient watcher, int expected)
    {
        var seen = new List<string>();
        while (seen.LastOrDefault() != expected.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            Assert.True(seen.Count < 15, $"$SYS/broker/subscriptions/count never said {expected}: {string.Join(", ", seen)}");
            seen.Add((await watcher.NextOnAsync("$SYS/broker/subscriptions/count")).Text());
        }
    }
}
