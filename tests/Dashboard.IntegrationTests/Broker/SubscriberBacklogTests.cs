using System.Collections.Concurrent;
using Dashboard.Broker;
using Dashboard.Broker.Admin;
using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.Broker;

/// <summary>
/// A subscriber that falls far behind (it holds its PUBACKs): the broker hands MQTTnet only part of its queue and keeps
/// the rest itself (Delivery/ClientQueues). Whatever waits where, the subscriber gets every message once, in order, as its
/// subscription asked for it, and a persistent session keeps what was waiting across a reconnect.
/// </summary>
public sealed class SubscriberBacklogTests
{
    private const int Messages = 3000; // three times what the broker hands MQTTnet for one client

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_subscriber_far_behind_gets_every_message_once_in_order_as_subscribed(MqttProtocolVersion version)
    {
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?> { ["Broker:MaxQueuedMessages"] = "10000" });
        var topic = $"backlog/{Guid.NewGuid():N}";
        await using var subscriber = await SlowSubscriber.ConnectAsync(app, "backlog-" + Guid.NewGuid().ToString("N")[..8], version, cleanStart: true);
        await subscriber.SubscribeAsync(topic, version == MqttProtocolVersion.V500);

        await using var publisher = await TestClient.ConnectAsync(app);
        await FallBehindAsync(app, publisher, topic, subscriber, retainEvery: 100);
        var clients = app.Services.GetRequiredService<BrokerClients>();
        Assert.True(subscriber.Count < Messages, $"all {Messages} were sent to a client that acknowledged none");
        // Every message is either in flight (sent, not acknowledged) or queued, and the Clients page counts each once.
        await DashboardApp.WaitUntilAsync(async () => await clients.FindAsync(subscriber.ClientId) is { InFlight: > 0 } waiting
            && waiting.InFlight + waiting.Queued == Messages, "in flight and queued to add up to what was published");

        await subscriber.AcknowledgeAllAsync();
        var received = await subscriber.WaitForAsync(Messages);

        Assert.Equal(Enumerable.Range(0, Messages).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), received.Select(m => m.Text()));
        Assert.All(received, m => Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, m.QualityOfServiceLevel));
        // Retain As Published (MQTT 5) keeps the flag of every 100th message; otherwise live messages arrive unflagged.
        var v5 = version == MqttProtocolVersion.V500;
        Assert.All(received, m => Assert.Equal(v5 && int.Parse(m.Text(), System.Globalization.CultureInfo.InvariantCulture) % 100 == 0, m.Retain));
        if (v5)
        {
            Assert.All(received, m => Assert.Equal([7u], m.SubscriptionIdentifiers ?? []));
        }

        Assert.Equal(0, (await clients.FindAsync(subscriber.ClientId))?.Dropped);
    }

    [Fact]
    public async Task A_persistent_session_that_falls_behind_and_disconnects_gets_everything_at_reconnect()
    {
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?> { ["Broker:MaxQueuedMessages"] = "10000" });
        var topic = $"backlog/{Guid.NewGuid():N}";
        var clientId = "backlog-" + Guid.NewGuid().ToString("N")[..8];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await using (var first = await SlowSubscriber.ConnectAsync(app, clientId, MqttProtocolVersion.V311, cleanStart: false))
        {
            await first.SubscribeAsync(topic, v5: false);
            await using var publisher = await TestClient.ConnectAsync(app);
            await FallBehindAsync(app, publisher, topic, first);
            seen.UnionWith(first.Received.Select(m => m.Text()));
            await first.DisconnectAsync(); // none acknowledged
        }

        await app.WaitForOfflineSessionAsync(clientId);
        await using var again = await SlowSubscriber.ConnectAsync(app, clientId, MqttProtocolVersion.V311, cleanStart: false);
        await again.AcknowledgeAllAsync();
        var received = await again.WaitForDistinctAsync(Messages);

        // Unacknowledged messages come again (DUP); every one of the 3000 arrives, the ones never sent in order.
        Assert.Equal(Messages, received.Count);
        Assert.Equal(Enumerable.Range(0, Messages).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), received.OrderBy(int.Parse));
        Assert.NotEmpty(seen);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_session_taken_over_while_far_behind_gets_everything_unless_the_new_connection_starts_clean(bool cleanStart)
    {
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?> { ["Broker:MaxQueuedMessages"] = "10000" });
        var topic = $"backlog/{Guid.NewGuid():N}";
        var clientId = "backlog-" + Guid.NewGuid().ToString("N")[..8];
        await using var first = await SlowSubscriber.ConnectAsync(app, clientId, MqttProtocolVersion.V311, cleanStart: false);
        await first.SubscribeAsync(topic, v5: false);
        await using var publisher = await TestClient.ConnectAsync(app);
        await FallBehindAsync(app, publisher, topic, first);
        Assert.True(app.Services.GetRequiredService<ConnectionRegistry>().TryGet(clientId, out var old));

        // The same client id again, while the first connection is still there (a device that rebooted): a takeover.
        await using var second = await SlowSubscriber.ConnectAsync(app, clientId, MqttProtocolVersion.V311, cleanStart);
        await second.AcknowledgeAllAsync();
        if (cleanStart)
        {
            // A clean start ends the old session: nothing that waited for it arrives, and a new message still does. Once
            // the old connection has ended (its held messages then went wherever they go), a last message is queued
            // behind anything the new session was given: when it arrives, nothing else has.
            await second.SubscribeAsync(topic, v5: false);
            await publisher.PublishAsync(topic, "after", MqttQualityOfServiceLevel.AtLeastOnce);
            await old.Ended.Task.WaitAsync(TestClient.Patience);
            await publisher.PublishAsync(topic, "last", MqttQualityOfServiceLevel.AtLeastOnce);
            Assert.Equal(["after", "last"], await second.WaitForDistinctAsync(2));
            return;
        }

        var received = await second.WaitForDistinctAsync(Messages);
        Assert.Equal(Enumerable.Range(0, Messages).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), received.OrderBy(int.Parse));
    }

    /// <summary>
    /// Publishes <see cref="Messages"/> at QoS 1 (<c>0</c>, <c>1</c>, …; every <paramref name="retainEvery"/>th retained) to a
    /// subscriber that acknowledges none, and waits until part of them waits in the broker, shown as queued on the Clients page.
    /// </summary>
    private static async Task FallBehindAsync(DashboardApp app, TestClient publisher, string topic, SlowSubscriber subscriber, int retainEvery = 0)
    {
        for (var i = 0; i < Messages; i++)
        {
            await publisher.PublishAsync(topic, i.ToString(System.Globalization.CultureInfo.InvariantCulture), MqttQualityOfServiceLevel.AtLeastOnce,
                retain: retainEvery > 0 && i % retainEvery == 0);
        }

        var clients = app.Services.GetRequiredService<BrokerClients>();
        await DashboardApp.WaitUntilAsync(async () => subscriber.Count > 0 && (await clients.FindAsync(subscriber.ClientId))?.Queued > 0,
            "part of the messages to wait in the broker");
    }

    /// <summary>An MQTTnet client that keeps PUBACKs back until told to acknowledge.</summary>
    private sealed class SlowSubscriber : IAsyncDisposable
    {
        private readonly ConcurrentQueue<MqttApplicationMessageReceivedEventArgs> _unacknowledged = new();
        private readonly List<MqttApplicationMessage> _received = [];
        private volatile bool _acknowledging;

        private SlowSubscriber(IMqttClient client, string clientId)
        {
            Client = client;
            ClientId = clientId;
            client.ApplicationMessageReceivedAsync += e =>
            {
                lock (_received)
                {
                    _received.Add(e.ApplicationMessage);
                }

                if (!_acknowledging)
                {
                    e.AutoAcknowledge = false;
                    _unacknowledged.Enqueue(e);
                }

                return Task.CompletedTask;
            };
        }

        public IMqttClient Client { get; }

        public string ClientId { get; }

        public int Count
        {
            get
            {
                lock (_received)
                {
                    return _received.Count;
                }
            }
        }

        public List<MqttApplicationMessage> Received
        {
            get
            {
                lock (_received)
                {
                    return [.. _received];
                }
            }
        }

        public static async Task<SlowSubscriber> ConnectAsync(DashboardApp app, string clientId, MqttProtocolVersion version, bool cleanStart)
        {
            var client = new MqttClientFactory().CreateMqttClient();
            var subscriber = new SlowSubscriber(client, clientId);
            var options = TestClient.Options(app, clientId, version: version).WithCleanSession(cleanStart);
            if (!cleanStart && version == MqttProtocolVersion.V500)
            {
                options = options.WithSessionExpiryInterval(300);
            }

            using var timeout = new CancellationTokenSource(TestClient.Patience);
            await client.ConnectAsync(options.Build(), timeout.Token);
            return subscriber;
        }

        public async Task SubscribeAsync(string topic, bool v5)
        {
            var filter = new MqttTopicFilterBuilder().WithTopic(topic).WithAtLeastOnceQoS().WithRetainAsPublished(v5).Build();
            var options = new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter);
            await Client.SubscribeAsync((v5 ? options.WithSubscriptionIdentifier(7) : options).Build());
        }

        /// <summary>Acknowledges what it kept back, and everything from now on as it arrives.</summary>
        public async Task AcknowledgeAllAsync()
        {
            _acknowledging = true;
            while (_unacknowledged.TryDequeue(out var e))
            {
                await e.AcknowledgeAsync(CancellationToken.None);
            }
        }

        public async Task<List<MqttApplicationMessage>> WaitForAsync(int count)
        {
            await DashboardApp.WaitUntilAsync(() => Count >= count, $"{count} messages (got {Count})", TimeSpan.FromSeconds(60));
            await Task.Delay(200); // and no more: a duplicate would show in the count
            return Received;
        }

        public async Task<List<string>> WaitForDistinctAsync(int count)
        {
            List<string> Distinct() => [.. Received.Select(m => m.Text()).Distinct()];
            try
            {
                await DashboardApp.WaitUntilAsync(() => Distinct().Count >= count, $"{count} distinct messages", TimeSpan.FromSeconds(30));
            }
            catch (TimeoutException)
            {
                var got = Distinct().Where(t => int.TryParse(t, out _)).Select(int.Parse).ToHashSet();
                var missing = Enumerable.Range(0, count).Where(i => !got.Contains(i)).ToList();
                throw new TimeoutException($"{got.Count} of {count} distinct messages; missing {missing.Count}: {string.Join(',', missing.Take(20))} … {missing.LastOrDefault()}");
            }

            return Distinct();
        }

        public async Task DisconnectAsync() => await Client.DisconnectAsync();

        public ValueTask DisposeAsync()
        {
            Client.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
