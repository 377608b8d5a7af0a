using Dashboard.Broker.Metrics;
using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.Broker;

/// <summary>Small limits, so each refusal is easy to reach with real clients.</summary>
public sealed class LimitsAppFixture : IAsyncLifetime
{
    public const int MaxConnections = 4;
    public const int MaxTopicLength = 64;
    public const int MaxTopicLevels = 4;
    public const int MaxPublishRate = 5;
    public const int MaxSubscriptions = 3;

    public DashboardApp App { get; private set; } = null!;

    public async Task InitializeAsync() => App = await DashboardApp.StartAsync(settings: new Dictionary<string, string?>
    {
        ["Broker:MaxConnections"] = $"{MaxConnections}",
        ["Broker:MaxTopicLength"] = $"{MaxTopicLength}",
        ["Broker:MaxTopicLevels"] = $"{MaxTopicLevels}",
        ["Broker:MaxPublishRatePerClient"] = $"{MaxPublishRate}",
        ["Broker:MaxSubscriptionsPerClient"] = $"{MaxSubscriptions}",
    });

    public async Task DisposeAsync() => await App.DisposeAsync();
}

public sealed class LimitsTests(LimitsAppFixture fixture) : IClassFixture<LimitsAppFixture>
{
    private DashboardApp App => fixture.App;

    private BrokerMetrics Metrics => App.Services.GetRequiredService<BrokerMetrics>();

    [Fact]
    public async Task A_connection_beyond_MaxConnections_is_refused_until_one_closes()
    {
        await DashboardApp.WaitUntilAsync(() => Metrics.OpenConnections == 0, "earlier connections to close");
        var clients = new List<TestClient>();
        try
        {
            for (var i = 0; i < LimitsAppFixture.MaxConnections; i++)
            {
                clients.Add(await TestClient.ConnectAsync(App, webSocket: i % 2 == 1));
            }

            var refusedBefore = Metrics.ConnectionsRefused;
            await Assert.ThrowsAnyAsync<Exception>(() => TestClient.ConnectAsync(App));
            Assert.Equal(refusedBefore + 1, Metrics.ConnectionsRefused);

            await clients[0].DisposeAsync();
            clients.RemoveAt(0);
            await DashboardApp.WaitUntilAsync(() => Metrics.OpenConnections < LimitsAppFixture.MaxConnections, "a connection to close");
            clients.Add(await TestClient.ConnectAsync(App));
            Assert.True(clients[^1].Client.IsConnected);
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Theory]
    [InlineData("a/b/c/d/e")] // five levels
    [InlineData("long/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")] // 69 bytes
    public async Task A_publish_beyond_the_topic_limits_disconnects_and_reaches_no_one(string topic)
    {
        await using var subscriber = await TestClient.ConnectAsync(App);
        await subscriber.SubscribeAsync("#");
        await using var publisher = await TestClient.ConnectAsync(App);
        var refusedBefore = Metrics.TopicsRefused;

        try
        {
            await publisher.PublishAsync(topic, "too far", MqttQualityOfServiceLevel.AtLeastOnce);
        }
        catch (Exception)
        {
            // the broker may close the connection before the client hears anything
        }

        await DashboardApp.WaitUntilAsync(() => !publisher.Client.IsConnected, "the publisher to be disconnected");
        Assert.Equal(refusedBefore + 1, Metrics.TopicsRefused);
        Assert.True(await subscriber.NothingArrivesAsync(TimeSpan.FromSeconds(1)), "the refused message was delivered");
    }

    [Fact]
    public async Task A_filter_beyond_the_topic_limits_is_refused_in_SUBACK()
    {
        await using var client = await TestClient.ConnectAsync(App, version: MqttProtocolVersion.V500);

        var deep = await client.SubscribeAsync("a/b/c/d/+");
        var fine = await client.SubscribeAsync("a/b/c/+");

        Assert.Equal(MqttClientSubscribeResultCode.TopicFilterInvalid, deep.Items.Single().ResultCode);
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS0, fine.Items.Single().ResultCode);
    }

    [Fact]
    public async Task A_client_holding_MaxSubscriptionsPerClient_filters_gets_quota_exceeded_for_a_new_one()
    {
        var prefix = $"subs/{Guid.NewGuid():N}"[..20];
        await using var client = await TestClient.ConnectAsync(App, version: MqttProtocolVersion.V500);
        var refusedBefore = Metrics.SubscriptionsRefused;

        // One SUBSCRIBE of five filters, at one QoS so that they are taken in order: three fit.
        var five = new MqttClientSubscribeOptionsBuilder();
        foreach (var name in "abcde")
        {
            five.WithTopicFilter($"{prefix}/{name}", MqttQualityOfServiceLevel.AtLeastOnce);
        }

        var result = await client.Client.SubscribeAsync(five.Build());
        Assert.Equal(
            [.. Enumerable.Repeat(MqttClientSubscribeResultCode.GrantedQoS1, 3), .. Enumerable.Repeat(MqttClientSubscribeResultCode.QuotaExceeded, 2)],
            result.Items.Select(i => i.ResultCode));
        Assert.Contains("Broker:MaxSubscriptionsPerClient", result.ReasonString, StringComparison.Ordinal);
        Assert.Equal(refusedBefore + 2, Metrics.SubscriptionsRefused);

        // A filter it holds still renews (here at another QoS).
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS0, (await client.SubscribeAsync($"{prefix}/a")).Items.Single().ResultCode);

        // The refused filter gets nothing: the message published after it, on a held filter, is the next to arrive.
        await using var publisher = await TestClient.ConnectAsync(App);
        await publisher.PublishAsync($"{prefix}/d", "refused", MqttQualityOfServiceLevel.AtLeastOnce);
        await publisher.PublishAsync($"{prefix}/b", "held", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal($"{prefix}/b", (await client.NextAsync()).Topic);

        // Unsubscribing makes room.
        await client.Client.UnsubscribeAsync($"{prefix}/c");
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, (await client.SubscribeAsync($"{prefix}/d", MqttQualityOfServiceLevel.AtLeastOnce)).Items.Single().ResultCode);
    }

    [Fact]
    public async Task Mosquitto_sub_with_more_filters_than_MaxSubscriptionsPerClient_is_refused_the_rest_in_SUBACK()
    {
        var prefix = $"msub/{Guid.NewGuid():N}"[..20];
        string[] filters = [.. Enumerable.Range(1, LimitsAppFixture.MaxSubscriptions + 1).SelectMany(i => new[] { "-t", $"{prefix}/{i}" })];
        var (_, output) = await ExternalProcess.RunAsync("mosquitto_sub",
            ["-h", "127.0.0.1", "-p", App.MqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "-d", "-W", "2", .. filters]);

        // MQTT 3.1.1 has one failure code, 0x80 (128); the three before it are granted QoS 0.
        Assert.Contains("Subscribed (mid: 1): 0, 0, 0, 128", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_publishing_faster_than_its_rate_gets_quota_exceeded_and_its_excess_is_dropped()
    {
        var topic = $"rate/{Guid.NewGuid():N}"[..30];
        await using var subscriber = await TestClient.ConnectAsync(App);
        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        await using var publisher = await TestClient.ConnectAsync(App, version: MqttProtocolVersion.V500);
        var limitedBefore = Metrics.PublishRateExceeded;

        var accepted = new List<string>();
        var refused = 0;
        for (var i = 0; i < 60; i++)
        {
            var result = await publisher.PublishAsync(topic, $"m{i}", MqttQualityOfServiceLevel.AtLeastOnce);
            if (result.ReasonCode == MqttClientPublishReasonCode.QuotaExceeded)
            {
                refused++;
            }
            else
            {
                accepted.Add($"m{i}");
            }
        }

        Assert.True(refused > 0, "no publish was refused");
        Assert.Equal(limitedBefore + refused, Metrics.PublishRateExceeded);
        foreach (var expected in accepted)
        {
            Assert.Equal(expected, (await subscriber.NextOnAsync(topic)).Text());
        }

        Assert.True(await subscriber.NothingArrivesAsync(TimeSpan.FromSeconds(1)), "a refused message was delivered");
        Assert.True(publisher.Client.IsConnected, "the fast publisher was disconnected");
    }
}
