using System.Globalization;
using Dashboard.Broker.Metrics;
using Dashboard.Broker.Sessions;
using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.Broker;

public sealed class PersistentSessionTests
{
    [Theory]
    [InlineData(MqttProtocolVersion.V311, false)]
    [InlineData(MqttProtocolVersion.V500, false)]
    [InlineData(MqttProtocolVersion.V311, true)]
    public async Task Messages_for_an_offline_session_are_delivered_in_order_when_it_returns(MqttProtocolVersion version, bool webSocket)
    {
        await using var app = await DashboardApp.StartAsync();
        var topic = $"cmd/{Guid.NewGuid():N}";
        var clientId = $"device-{Guid.NewGuid():N}"[..20];
        await using (var device = await TestClient.ConnectAsync(Persistent(app, clientId, version, webSocket)))
        {
            await device.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        }

        // Offline once the broker has closed the connection: a QoS 0 message handed to a closing connection is its
        // to deliver, and is not what this test is about.
        await app.WaitForOfflineSessionAsync(clientId);
        await using var publisher = await TestClient.ConnectAsync(app);
        foreach (var payload in new[] { "one", "two", "three" })
        {
            await publisher.PublishAsync(topic, payload, MqttQualityOfServiceLevel.AtLeastOnce);
        }

        await publisher.PublishAsync(topic, "qos0 is not queued", MqttQualityOfServiceLevel.AtMostOnce);

        await using var back = await TestClient.ConnectAsync(Persistent(app, clientId, version, webSocket));
        Assert.True(back.ConnectResult!.IsSessionPresent);
        Assert.Equal(["one", "two", "three"], [(await back.NextAsync()).Text(), (await back.NextAsync()).Text(), (await back.NextAsync()).Text()]);
        Assert.True(await back.NothingArrivesAsync(TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public async Task The_offline_queue_is_bounded_and_drops_are_counted()
    {
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?> { ["Broker:MaxQueuedMessages"] = "5" });
        var topic = $"cmd/{Guid.NewGuid():N}";
        var clientId = $"device-{Guid.NewGuid():N}"[..20];
        await using (var device = await TestClient.ConnectAsync(Persistent(app, clientId)))
        {
            await device.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        }

        await using var publisher = await TestClient.ConnectAsync(app);
        for (var i = 1; i <= 12; i++)
        {
            await publisher.PublishAsync(topic, i.ToString(CultureInfo.InvariantCulture), MqttQualityOfServiceLevel.AtLeastOnce);
        }

        await using var back = await TestClient.ConnectAsync(Persistent(app, clientId));
        var received = new List<string>();
        while (!await back.NothingArrivesAsync(TimeSpan.FromMilliseconds(500)))
        {
            received.Add((await back.NextAsync()).Text());
        }

        Assert.Equal(["1", "2", "3", "4", "5"], received);
        Assert.Equal(7, app.Services.GetRequiredService<BrokerMetrics>().MessagesDropped);
    }

    [Fact]
    public async Task A_clean_start_discards_the_old_session()
    {
        await using var app = await DashboardApp.StartAsync();
        var topic = $"cmd/{Guid.NewGuid():N}";
        var clientId = $"device-{Guid.NewGuid():N}"[..20];
        await using (var device = await TestClient.ConnectAsync(Persistent(app, clientId)))
        {
            await device.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        }

        await using var publisher = await TestClient.ConnectAsync(app);
        await publisher.PublishAsync(topic, "queued", MqttQualityOfServiceLevel.AtLeastOnce);

        await using var clean = await TestClient.ConnectAsync(TestClient.Options(app, clientId).WithCleanSession().Build());
        Assert.False(clean.ConnectResult!.IsSessionPresent);
        await publisher.PublishAsync(topic, "after clean start", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.True(await clean.NothingArrivesAsync(TimeSpan.FromMilliseconds(500)), "neither the queue nor the subscription survive a clean start");
    }

    [Fact]
    public async Task Retained_messages_and_persistent_sessions_survive_a_restart()
    {
        var database = DashboardApp.NewDatabasePath();
        var retainedTopic = $"home/{Guid.NewGuid():N}/status";
        var commandTopic = $"cmd/{Guid.NewGuid():N}";
        var sharedTopic = $"work/{Guid.NewGuid():N}";
        var (device311, device5) = ($"d311-{Guid.NewGuid():N}"[..20], $"d5-{Guid.NewGuid():N}"[..20]);

        await using (var app = await DashboardApp.StartAsync(database))
        {
            await using (var a = await TestClient.ConnectAsync(Persistent(app, device311)))
            {
                await a.SubscribeAsync(commandTopic, MqttQualityOfServiceLevel.AtLeastOnce);
                await a.SubscribeAsync($"$share/workers/{sharedTopic}", MqttQualityOfServiceLevel.AtLeastOnce);
            }

            await using (var b = await TestClient.ConnectAsync(Persistent(app, device5, MqttProtocolVersion.V500)))
            {
                await b.SubscribeAsync(commandTopic, MqttQualityOfServiceLevel.ExactlyOnce);
            }

            await using var publisher = await TestClient.ConnectAsync(app);
            await publisher.PublishAsync(retainedTopic, "online", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
            await publisher.PublishAsync(commandTopic, "before restart", MqttQualityOfServiceLevel.ExactlyOnce);
        }

        await using (var app = await DashboardApp.StartAsync(database))
        {
            await using var publisher = await TestClient.ConnectAsync(app);
            await publisher.PublishAsync(commandTopic, "after restart", MqttQualityOfServiceLevel.ExactlyOnce);
            await publisher.PublishAsync(sharedTopic, "for the group", MqttQualityOfServiceLevel.AtLeastOnce);

            await using var late = await TestClient.ConnectAsync(app);
            await late.SubscribeAsync(retainedTopic);
            Assert.Equal("online", (await late.NextAsync()).Text());

            await using var a = await TestClient.ConnectAsync(Persistent(app, device311));
            Assert.True(a.ConnectResult!.IsSessionPresent);
            Assert.Equal(
                [(commandTopic, "before restart", MqttQualityOfServiceLevel.AtLeastOnce), (commandTopic, "after restart", MqttQualityOfServiceLevel.AtLeastOnce), (sharedTopic, "for the group", MqttQualityOfServiceLevel.AtLeastOnce)],
                [Describe(await a.NextAsync()), Describe(await a.NextAsync()), Describe(await a.NextAsync())]);

            await using var b = await TestClient.ConnectAsync(Persistent(app, device5, MqttProtocolVersion.V500));
            Assert.True(b.ConnectResult!.IsSessionPresent);
            Assert.Equal(
                [(commandTopic, "before restart", MqttQualityOfServiceLevel.ExactlyOnce), (commandTopic, "after restart", MqttQualityOfServiceLevel.ExactlyOnce)],
                [Describe(await b.NextAsync()), Describe(await b.NextAsync())]);
        }
    }

    [Fact]
    public async Task A_stored_session_keeps_its_filters_after_a_restart_with_a_lower_MaxSubscriptionsPerClient()
    {
        var database = DashboardApp.NewDatabasePath();
        var prefix = $"many/{Guid.NewGuid():N}";
        var device = $"many-{Guid.NewGuid():N}"[..20];
        await using (var app = await DashboardApp.StartAsync(database))
        {
            await using var client = await TestClient.ConnectAsync(Persistent(app, device));
            foreach (var i in Enumerable.Range(1, 5))
            {
                await client.SubscribeAsync($"{prefix}/{i}", MqttQualityOfServiceLevel.AtLeastOnce);
            }
        }

        // The session was made under the old limit: it comes back whole, and only new filters meet the new one.
        await using (var app = await DashboardApp.StartAsync(database, new Dictionary<string, string?> { ["Broker:MaxSubscriptionsPerClient"] = "3" }))
        {
            await using var publisher = await TestClient.ConnectAsync(app);
            foreach (var i in Enumerable.Range(1, 5))
            {
                await publisher.PublishAsync($"{prefix}/{i}", $"m{i}", MqttQualityOfServiceLevel.AtLeastOnce);
            }

            await using var client = await TestClient.ConnectAsync(Persistent(app, device));
            Assert.True(client.ConnectResult!.IsSessionPresent);
            var received = new List<string>();
            foreach (var _ in Enumerable.Range(1, 5))
            {
                received.Add((await client.NextAsync()).Text());
            }

            Assert.Equal(["m1", "m2", "m3", "m4", "m5"], received);
            Assert.Equal(MqttClientSubscribeResultCode.UnspecifiedError, (await client.SubscribeAsync($"{prefix}/6")).Items.Single().ResultCode);
        }
    }

    [Fact]
    public async Task A_client_gone_before_its_SUBACKs_keeps_every_filter_it_was_granted_across_a_restart()
    {
        var database = DashboardApp.NewDatabasePath();
        var prefix = $"hasty/{Guid.NewGuid():N}";
        var device = $"hasty-{Guid.NewGuid():N}"[..20];
        string Filter(int packet, int i) => $"{prefix}/{packet}/{i}";
        MqttTopicFilter AtLeastOnce(string topic) => new() { Topic = topic, QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce };

        await using (var app = await DashboardApp.StartAsync(database))
        {
            // CONNECT, twenty SUBSCRIBEs of 50 filters and one shared subscription in one write; then the client closes its
            // side. The broker grants them all before it reads the end of the connection, and most SUBACKs never go out.
            await using (var raw = await RawMqttSocket.ConnectAsync(app.MqttPort))
            {
                byte[] bytes =
                [
                    .. RawPackets.Connect(device, cleanSession: false),
                    .. Enumerable.Range(1, 20).SelectMany(p => RawMqttSocket.Encode(new MqttSubscribePacket
                    {
                        PacketIdentifier = (ushort)p,
                        TopicFilters = [.. Enumerable.Range(1, 50).Select(i => AtLeastOnce(Filter(p, i)))],
                    })),
                    .. RawMqttSocket.Encode(new MqttSubscribePacket { PacketIdentifier = 21, TopicFilters = [AtLeastOnce($"$share/team/{prefix}/jobs")] }),
                ];
                await raw.SendAsync(bytes);
                raw.CloseSending();
                await app.WaitForOfflineSessionAsync(device);
            }

            Assert.True(app.Services.GetRequiredService<PersistentSessions>().TryGet(device, out var record));
            lock (record)
            {
                Assert.Equal(1001, record.Subscriptions.Count);
            }

            await using var publisher = await TestClient.ConnectAsync(app);
            await publisher.PublishAsync(Filter(20, 50), "last filter, while away", MqttQualityOfServiceLevel.AtLeastOnce);
            await publisher.PublishAsync($"{prefix}/jobs", "for the team", MqttQualityOfServiceLevel.AtLeastOnce);
        }

        await using (var app = await DashboardApp.StartAsync(database))
        {
            await using var publisher = await TestClient.ConnectAsync(app);
            await publisher.PublishAsync(Filter(19, 49), "after a restart", MqttQualityOfServiceLevel.AtLeastOnce);

            await using var client = await TestClient.ConnectAsync(Persistent(app, device));
            Assert.True(client.ConnectResult!.IsSessionPresent);
            Assert.Equal(
                ["last filter, while away", "for the team", "after a restart"],
                [(await client.NextAsync()).Text(), (await client.NextAsync()).Text(), (await client.NextAsync()).Text()]);
        }
    }

    [Fact]
    public async Task Unsubscribing_and_subscribing_again_at_another_QoS_are_what_a_restart_restores()
    {
        var database = DashboardApp.NewDatabasePath();
        var prefix = $"changes/{Guid.NewGuid():N}";
        var device = $"changes-{Guid.NewGuid():N}"[..20];
        await using (var app = await DashboardApp.StartAsync(database))
        {
            await using var client = await TestClient.ConnectAsync(Persistent(app, device, MqttProtocolVersion.V500));
            foreach (var name in new[] { "kept", "dropped", "raised" })
            {
                await client.SubscribeAsync($"{prefix}/{name}", MqttQualityOfServiceLevel.AtMostOnce);
            }

            await client.Client.UnsubscribeAsync($"{prefix}/dropped");
            await client.SubscribeAsync($"{prefix}/raised", MqttQualityOfServiceLevel.ExactlyOnce);
        }

        await using (var app = await DashboardApp.StartAsync(database))
        {
            await using var client = await TestClient.ConnectAsync(Persistent(app, device, MqttProtocolVersion.V500));
            Assert.True(client.ConnectResult!.IsSessionPresent);
            await using var publisher = await TestClient.ConnectAsync(app);
            foreach (var name in new[] { "kept", "dropped", "raised" })
            {
                await publisher.PublishAsync($"{prefix}/{name}", name, MqttQualityOfServiceLevel.ExactlyOnce);
            }

            Assert.Equal(
                [($"{prefix}/kept", "kept", MqttQualityOfServiceLevel.AtMostOnce), ($"{prefix}/raised", "raised", MqttQualityOfServiceLevel.ExactlyOnce)],
                [Describe(await client.NextAsync()), Describe(await client.NextAsync())]);
            Assert.True(await client.NothingArrivesAsync(TimeSpan.FromMilliseconds(500)), "the filter unsubscribed before the restart stays gone");
        }
    }

    [Fact]
    public async Task Messages_queued_for_an_MQTT_5_session_carry_its_subscription_identifiers_also_after_a_restart()
    {
        var database = DashboardApp.NewDatabasePath();
        var prefix = $"ids/{Guid.NewGuid():N}";
        var device = $"ids-{Guid.NewGuid():N}"[..20];
        await using (var app = await DashboardApp.StartAsync(database))
        {
            await using (var client = await TestClient.ConnectAsync(Persistent(app, device, MqttProtocolVersion.V500)))
            {
                await client.Client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
                    .WithTopicFilter($"{prefix}/#", MqttQualityOfServiceLevel.AtLeastOnce).WithSubscriptionIdentifier(7).Build());
                await client.Client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
                    .WithTopicFilter($"{prefix}/+/cmd", MqttQualityOfServiceLevel.AtLeastOnce).WithSubscriptionIdentifier(9).Build());
                await client.Client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
                    .WithTopicFilter($"$share/workers/{prefix}-jobs/#", MqttQualityOfServiceLevel.AtLeastOnce).WithSubscriptionIdentifier(11).Build());
            }

            await app.WaitForOfflineSessionAsync(device);
            await using var publisher = await TestClient.ConnectAsync(app);
            await publisher.PublishAsync($"{prefix}/pump/cmd", "while away", MqttQualityOfServiceLevel.AtLeastOnce);
            await publisher.PublishAsync($"{prefix}/pump/state", "state, while away", MqttQualityOfServiceLevel.AtLeastOnce);
            await publisher.PublishAsync($"{prefix}-jobs/1", "a job, while away", MqttQualityOfServiceLevel.AtLeastOnce);
        }

        // [MQTT-3.3.4-3]: every identifier of the matching subscriptions, whether the message waited in memory or on disk.
        await using (var app = await DashboardApp.StartAsync(database))
        {
            await using var client = await TestClient.ConnectAsync(Persistent(app, device, MqttProtocolVersion.V500));
            var (command, state) = (await client.NextAsync(), await client.NextAsync());
            Assert.Equal("while away", command.Text());
            Assert.Equal([7u, 9u], (command.SubscriptionIdentifiers ?? []).Order());
            Assert.Equal("state, while away", state.Text());
            Assert.Equal([7u], state.SubscriptionIdentifiers ?? []);
            var job = await client.NextAsync();
            Assert.Equal("a job, while away", job.Text());
            Assert.Equal([11u], job.SubscriptionIdentifiers ?? []); // the shared subscription's, which MQTTnet never holds
            await client.Client.DisconnectAsync();
        }
    }

    [Fact]
    public async Task An_expired_session_is_forgotten_in_memory_and_in_the_database()
    {
        var database = DashboardApp.NewDatabasePath();
        var clientId = $"brief-{Guid.NewGuid():N}"[..20];
        await using (var app = await DashboardApp.StartAsync(database))
        {
            var options = TestClient.Options(app, clientId, version: MqttProtocolVersion.V500).WithCleanStart(false).WithSessionExpiryInterval(1).Build();
            await using (var device = await TestClient.ConnectAsync(options))
            {
                await device.SubscribeAsync("cmd/brief", MqttQualityOfServiceLevel.AtLeastOnce);
            }

            var sessions = app.Services.GetRequiredService<PersistentSessions>();
            await DashboardApp.WaitUntilAsync(() => sessions.TryGet(clientId, out var r) && r.Connection is null, "the session to go offline");
            Assert.Equal(1, await sessions.RemoveExpiredAsync(DateTime.UtcNow.AddSeconds(2)));
        }

        await using (var app = await DashboardApp.StartAsync(database))
        {
            var options = TestClient.Options(app, clientId, version: MqttProtocolVersion.V500).WithCleanStart(false).WithSessionExpiryInterval(60).Build();
            await using var device = await TestClient.ConnectAsync(options);
            Assert.False(device.ConnectResult!.IsSessionPresent);
        }
    }

    [Fact]
    public async Task Mosquitto_sub_with_a_persistent_session_gets_what_it_missed()
    {
        await using var app = await DashboardApp.StartAsync();
        var topic = $"alerts/{Guid.NewGuid():N}";
        var clientId = $"msub-{Guid.NewGuid():N}"[..20];
        string[] SubscribeArgs(params string[] extra) =>
            ["-h", "127.0.0.1", "-p", app.MqttPort.ToString(CultureInfo.InvariantCulture), "-i", clientId, "-c", "-q", "1", "-t", topic, .. extra];

        await using (var first = ExternalProcess.Start("mosquitto_sub", SubscribeArgs()))
        {
            await app.WaitForClientAsync(clientId);
        } // killed: its persistent session stays

        await using var publisher = await TestClient.ConnectAsync(app);
        await publisher.PublishAsync(topic, "missed 1", MqttQualityOfServiceLevel.AtLeastOnce);
        await publisher.PublishAsync(topic, "missed 2", MqttQualityOfServiceLevel.AtLeastOnce);

        var (exitCode, output) = await ExternalProcess.RunAsync("mosquitto_sub", SubscribeArgs("-C", "2", "-W", "10"));
        Assert.Equal(0, exitCode);
        Assert.Equal("missed 1\nmissed 2", output.Trim());
    }

    private static MqttClientOptions Persistent(DashboardApp app, string clientId,
        MqttProtocolVersion version = MqttProtocolVersion.V311, bool webSocket = false)
    {
        var builder = TestClient.Options(app, clientId, webSocket, version).WithCleanSession(false);
        return version == MqttProtocolVersion.V500 ? builder.WithSessionExpiryInterval(3600).Build() : builder.Build();
    }

    private static (string, string, MqttQualityOfServiceLevel) Describe(MqttApplicationMessage message) =>
        (message.Topic, message.Text(), message.QualityOfServiceLevel);
}
