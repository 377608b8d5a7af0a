using Dashboard.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.Broker;

public sealed class RoundTripTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private DashboardApp App => fixture.App;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Wildcard_subscribers_receive_what_matches_their_filter(bool webSocket)
    {
        var home = $"home{Guid.NewGuid():N}";
        await using var plus = await TestClient.ConnectAsync(App, webSocket: webSocket);
        await using var hash = await TestClient.ConnectAsync(App, webSocket: webSocket);
        await using var publisher = await TestClient.ConnectAsync(App, webSocket: webSocket);
        await plus.SubscribeAsync($"{home}/+/temperature");
        await hash.SubscribeAsync($"{home}/#");

        await publisher.PublishAsync($"{home}/livingroom/temperature", "23.5");
        await publisher.PublishAsync($"{home}/livingroom/sensor/temperature", "19");

        var one = await plus.NextAsync();
        Assert.Equal(($"{home}/livingroom/temperature", "23.5"), (one.Topic, one.Text()));
        Assert.Equal($"{home}/livingroom/temperature", (await hash.NextAsync()).Topic);
        Assert.Equal($"{home}/livingroom/sensor/temperature", (await hash.NextAsync()).Topic);
        Assert.True(await plus.NothingArrivesAsync(TimeSpan.FromMilliseconds(300)), "+ matches exactly one level");
    }

    [Theory]
    [InlineData(MqttQualityOfServiceLevel.AtLeastOnce, false)]
    [InlineData(MqttQualityOfServiceLevel.ExactlyOnce, false)]
    [InlineData(MqttQualityOfServiceLevel.AtLeastOnce, true)]
    [InlineData(MqttQualityOfServiceLevel.ExactlyOnce, true)]
    public async Task Messages_keep_their_QoS_end_to_end(MqttQualityOfServiceLevel qos, bool webSocket)
    {
        var topic = $"qos/{Guid.NewGuid():N}";
        await using var subscriber = await TestClient.ConnectAsync(App, webSocket: webSocket);
        await using var publisher = await TestClient.ConnectAsync(App, webSocket: webSocket);
        var granted = await subscriber.SubscribeAsync(topic, qos);
        Assert.Equal((int)qos, (int)granted.Items.Single().ResultCode);

        var result = await publisher.PublishAsync(topic, "payload", qos);

        Assert.True(result.IsSuccess);
        var received = await subscriber.NextAsync();
        Assert.Equal((qos, "payload"), (received.QualityOfServiceLevel, received.Text()));
        Assert.True(await subscriber.NothingArrivesAsync(TimeSpan.FromMilliseconds(300)), "delivered once");
    }

    [Fact]
    public async Task Overlapping_subscriptions_deliver_once_at_the_highest_granted_QoS()
    {
        var root = $"overlap/{Guid.NewGuid():N}";
        await using var subscriber = await TestClient.ConnectAsync(App);
        await using var publisher = await TestClient.ConnectAsync(App);
        await subscriber.SubscribeAsync($"{root}/#", MqttQualityOfServiceLevel.AtMostOnce);
        await subscriber.SubscribeAsync($"{root}/a", MqttQualityOfServiceLevel.ExactlyOnce);

        await publisher.PublishAsync($"{root}/a", "x", MqttQualityOfServiceLevel.ExactlyOnce);

        Assert.Equal(MqttQualityOfServiceLevel.ExactlyOnce, (await subscriber.NextAsync()).QualityOfServiceLevel);
        Assert.True(await subscriber.NothingArrivesAsync(TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task Mqtt5_round_trip_keeps_properties()
    {
        var topic = $"v5/{Guid.NewGuid():N}";
        await using var subscriber = await TestClient.ConnectAsync(App, version: MqttProtocolVersion.V500);
        await using var publisher = await TestClient.ConnectAsync(App, webSocket: true, version: MqttProtocolVersion.V500);
        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);

        await publisher.Client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload("{\"value\":23.5}")
            .WithContentType("application/json")
            .WithResponseTopic("replies/here")
            .WithUserProperty("unit", "celsius"u8.ToArray().AsMemory())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());

        var received = await subscriber.NextAsync();
        Assert.Equal("application/json", received.ContentType);
        Assert.Equal("replies/here", received.ResponseTopic);
        Assert.Equal("celsius", received.UserProperties.Single(p => p.Name == "unit").ReadValueAsString());
        Assert.True(subscriber.ConnectResult!.SharedSubscriptionAvailable);
        Assert.Equal(1_048_576u, subscriber.ConnectResult.MaximumPacketSize);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_zero_length_client_id_is_accepted_for_a_clean_session(MqttProtocolVersion version)
    {
        var options = TestClient.Options(App, version: version).WithClientId("").WithCleanSession().Build();
        await using var client = await TestClient.ConnectAsync(options);

        Assert.Equal(MqttClientConnectResultCode.Success, client.ConnectResult!.ResultCode);
        if (version == MqttProtocolVersion.V500)
        {
            Assert.StartsWith("auto-", client.ConnectResult.AssignedClientIdentifier);
        }

        var topic = $"anon/{Guid.NewGuid():N}";
        await client.SubscribeAsync(topic);
        await client.PublishAsync(topic, "hello");
        Assert.Equal("hello", (await client.NextAsync()).Text());
    }

    [Fact]
    public async Task A_zero_length_client_id_without_clean_session_is_rejected_in_311()
    {
        // MQTT 3.1.1 §3.1.3.1: the server must answer CONNACK 0x02 "identifier rejected".
        await using var socket = await RawMqttSocket.ConnectAsync(App.MqttPort);
        await socket.SendAsync(RawPackets.Connect("", cleanSession: false));

        var connAck = await socket.ReadAsync(4);

        Assert.Equal(new byte[] { 0x20, 0x02, 0x00, 0x02 }, connAck);
    }

    [Fact]
    public async Task An_invalid_topic_filter_is_refused_and_the_connection_stays_usable()
    {
        var topic = $"valid/{Guid.NewGuid():N}";
        await using var socket = await RawMqttSocket.ConnectAsync(App.MqttPort);
        await socket.SendAsync(RawPackets.Connect("filters"));
        Assert.Equal(new byte[] { 0x20, 0x02, 0x00, 0x00 }, await socket.ReadAsync(4));

        await socket.SendAsync(RawPackets.Subscribe(7, "a/#/b", "sport+", topic));

        // SUBACK: packet id 7, then 0x80 (failure) for each invalid filter and QoS 0 for the valid one.
        Assert.Equal(new byte[] { 0x90, 0x05, 0x00, 0x07, 0x80, 0x80, 0x00 }, await socket.ReadAsync(7));
        await socket.SendAsync(RawPackets.Publish(topic, "still here"u8.ToArray()));
        var publish = await socket.ReadAsync(2 + 2 + topic.Length + "still here".Length);
        Assert.EndsWith("still here", System.Text.Encoding.UTF8.GetString(publish));
    }

    [Fact]
    public async Task Shared_subscriptions_split_messages_between_members()
    {
        var root = $"jobs/{Guid.NewGuid():N}";
        await using var worker1 = await TestClient.ConnectAsync(App, version: MqttProtocolVersion.V500);
        await using var worker2 = await TestClient.ConnectAsync(App, webSocket: true);
        await using var watcher = await TestClient.ConnectAsync(App);
        await using var publisher = await TestClient.ConnectAsync(App);
        var granted1 = await worker1.SubscribeAsync($"$share/workers/{root}/#", MqttQualityOfServiceLevel.AtLeastOnce);
        var granted2 = await worker2.SubscribeAsync($"$share/workers/{root}/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await watcher.SubscribeAsync($"{root}/#", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, granted1.Items.Single().ResultCode);
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, granted2.Items.Single().ResultCode);

        for (var i = 0; i < 10; i++)
        {
            await publisher.PublishAsync($"{root}/{i}", i.ToString(System.Globalization.CultureInfo.InvariantCulture), MqttQualityOfServiceLevel.AtLeastOnce);
        }

        var all = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            all.Add((await watcher.NextAsync()).Text());
        }

        var shared = new List<string>();
        var perWorker = new int[2];
        foreach (var (worker, index) in new[] { (worker1, 0), (worker2, 1) })
        {
            while (!await worker.NothingArrivesAsync(TimeSpan.FromMilliseconds(500)))
            {
                shared.Add((await worker.NextAsync()).Text());
                perWorker[index]++;
            }
        }

        Assert.Equal(10, all.Count);
        Assert.Equal(all.Order(), shared.Order());
        Assert.All(perWorker, count => Assert.InRange(count, 1, 9));
    }

    [Fact]
    public async Task Unsubscribing_from_a_shared_subscription_stops_delivery()
    {
        var topic = $"shared/{Guid.NewGuid():N}";
        await using var worker = await TestClient.ConnectAsync(App, version: MqttProtocolVersion.V500);
        await using var publisher = await TestClient.ConnectAsync(App);
        await worker.SubscribeAsync($"$share/g/{topic}");

        var result = await worker.Client.UnsubscribeAsync(new MqttClientUnsubscribeOptionsBuilder().WithTopicFilter($"$share/g/{topic}").Build());
        await publisher.PublishAsync(topic, "nobody");

        Assert.Equal(MqttClientUnsubscribeResultCode.Success, result.Items.Single().ResultCode);
        Assert.True(await worker.NothingArrivesAsync(TimeSpan.FromMilliseconds(500)));
    }
}
