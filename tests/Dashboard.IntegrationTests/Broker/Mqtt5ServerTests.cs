using System.Globalization;
using System.Text;
using Dashboard.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.Broker;

/// <summary>
/// What the broker tells MQTT 5 clients in CONNACK and holds them to: Topic Alias Maximum (§3.3.2.3.4), Receive Maximum
/// (§3.3.4, §4.9), Request Problem Information [MQTT-3.1.2-29] and Request Response Information, Assigned Client Identifier.
/// </summary>
public sealed class Mqtt5ServerTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private DashboardApp App => fixture.App;

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Suback_codes_come_in_the_order_of_the_subscribes_filters(MqttProtocolVersion version)
    {
        // [MQTT-3.9.3-1]. MQTTnet handles the highest QoS first and answered 2, 1, 1, 0 here.
        await using var client = await TestClient.ConnectAsync(App, version: version);
        var topic = $"order/{Guid.NewGuid():N}";
        var result = await client.Client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter($"{topic}/a", MqttQualityOfServiceLevel.AtMostOnce)
            .WithTopicFilter($"$share/g/{topic}/s", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter($"{topic}/b", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter($"{topic}/c", MqttQualityOfServiceLevel.ExactlyOnce)
            .Build());

        Assert.Equal(
            [MqttClientSubscribeResultCode.GrantedQoS0, MqttClientSubscribeResultCode.GrantedQoS1, MqttClientSubscribeResultCode.GrantedQoS1, MqttClientSubscribeResultCode.GrantedQoS2],
            result.Items.Select(i => i.ResultCode));
    }

    [Fact]
    public async Task An_enhanced_authentication_method_is_refused_with_0x8c_not_accepted_as_if_it_had_succeeded()
    {
        await using var raw = await RawMqttSocket.ConnectAsync(App.MqttPort);
        await raw.SendAsync(new MqttConnectPacket
        {
            ClientId = "scram-" + Guid.NewGuid().ToString("N")[..8],
            KeepAlivePeriod = 60,
            AuthenticationMethod = "SCRAM-SHA-1",
            AuthenticationData = "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"u8.ToArray(),
        }, MqttProtocolVersion.V500);

        var connAck = Assert.IsType<MqttConnAckPacket>(RawMqttSocket.Decode(await raw.ReadPacketAsync(), MqttProtocolVersion.V500));
        Assert.Equal(MqttConnectReasonCode.BadAuthenticationMethod, connAck.ReasonCode); // [MQTT-4.12.0-1]
        Assert.True(await raw.ClosedByBrokerWithinAsync(TestClient.Patience));
    }

    [Theory]
    [InlineData("devices/alice/+")]
    [InlineData("devices/alice/#")]
    public async Task A_last_will_topic_with_a_wildcard_is_refused_with_0x90_in_connack(string willTopic)
    {
        await using var raw = await RawMqttSocket.ConnectAsync(App.MqttPort);
        await raw.SendAsync(new MqttConnectPacket
        {
            ClientId = "will-" + Guid.NewGuid().ToString("N")[..8],
            KeepAlivePeriod = 60,
            WillFlag = true,
            WillTopic = willTopic,
            WillMessage = "offline"u8.ToArray(),
        }, MqttProtocolVersion.V500);

        var connAck = Assert.IsType<MqttConnAckPacket>(RawMqttSocket.Decode(await raw.ReadPacketAsync(), MqttProtocolVersion.V500));
        Assert.Equal(MqttConnectReasonCode.TopicNameInvalid, connAck.ReasonCode);
        Assert.True(await raw.ClosedByBrokerWithinAsync(TestClient.Patience));
    }

    [Fact]
    public async Task Connack_tells_the_topic_alias_maximum_and_the_receive_maximum()
    {
        await using var client = await TestClient.ConnectAsync(App, version: MqttProtocolVersion.V500);
        Assert.Equal(10, client.ConnectResult!.TopicAliasMaximum); // Broker:TopicAliasMaximum, as Mosquitto's max_topic_alias
        Assert.Equal((ushort)1000, client.ConnectResult.ReceiveMaximum); // Broker:ReceiveMaximum
    }

    [Fact]
    public async Task A_topic_alias_from_a_client_stands_for_its_topic_on_that_connection()
    {
        var topic = $"alias/{Guid.NewGuid():N}";
        await using var subscriber = await TestClient.ConnectAsync(App, version: MqttProtocolVersion.V500);
        await subscriber.SubscribeAsync(topic);

        await using var raw = await ConnectRawAsync(App, new MqttConnectPacket { ClientId = Id("alias-pub") });
        await raw.SendAsync(PublishV5(topic, "set", alias: 10)); // [MQTT-3.3.2-12]: every alias up to the maximum
        await raw.SendAsync(PublishV5("", "by alias", alias: 10));

        var (first, second) = (await subscriber.NextAsync(), await subscriber.NextAsync());
        Assert.Equal([(topic, "set"), (topic, "by alias")], [Describe(first), Describe(second)]);
        Assert.Equal([0, 0], [first.TopicAlias, second.TopicAlias]); // nor is the alias passed on [MQTT-3.3.2-7]
    }

    [Fact]
    public async Task Mosquitto_pub_with_a_topic_alias_is_delivered()
    {
        var topic = $"alias/{Guid.NewGuid():N}";
        await using var subscriber = await TestClient.ConnectAsync(App, version: MqttProtocolVersion.V500);
        await subscriber.SubscribeAsync(topic);

        var (exitCode, output) = await ExternalProcess.RunAsync("mosquitto_pub",
            ["-h", "127.0.0.1", "-p", Port, "-V", "mqttv5", "-t", topic, "-m", "21.5", "--repeat", "3", "-D", "publish", "topic-alias", "1"]);
        Assert.True(exitCode == 0, output);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal((topic, "21.5"), Describe(await subscriber.NextAsync()));
        }
    }

    [Theory]
    [InlineData(11, 0x94)] // above the maximum the broker told [MQTT-3.3.2-9]
    [InlineData(0, 0x94)] // alias 0 is never allowed [MQTT-3.3.2-8]
    public async Task An_invalid_topic_alias_gets_DISCONNECT_0x94_and_is_not_delivered(ushort alias, byte reason)
    {
        var topic = $"alias/{Guid.NewGuid():N}";
        await using var subscriber = await TestClient.ConnectAsync(App, version: MqttProtocolVersion.V500);
        await subscriber.SubscribeAsync(topic);
        await using var raw = await ConnectRawAsync(App, new MqttConnectPacket { ClientId = Id("bad-alias") });

        await raw.SendAsync(alias == 0 ? PublishWithAliasZero(topic) : PublishV5(topic, "x", alias));

        Assert.Equal([0xE0, 0x01, reason], await raw.ReadPacketAsync());
        Assert.True(await raw.ClosedByBrokerWithinAsync(TestClient.Patience));
        Assert.True(await subscriber.NothingArrivesAsync(TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task An_alias_never_set_on_the_connection_gets_DISCONNECT_0x82()
    {
        await using var first = await ConnectRawAsync(App, new MqttConnectPacket { ClientId = Id("alias-a") });
        await first.SendAsync(PublishV5($"alias/{Guid.NewGuid():N}", "set", alias: 3));
        await using var other = await ConnectRawAsync(App, new MqttConnectPacket { ClientId = Id("alias-b") });

        await other.SendAsync(PublishV5("", "whose alias?", alias: 3)); // another connection's alias means nothing here

        Assert.Equal([0xE0, 0x01, 0x82], await other.ReadPacketAsync());
    }

    [Fact]
    public async Task With_topic_alias_maximum_0_the_broker_tells_none_and_refuses_every_alias()
    {
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?> { ["Broker:TopicAliasMaximum"] = "0" });
        await using (var client = await TestClient.ConnectAsync(app, version: MqttProtocolVersion.V500))
        {
            Assert.Equal(0, client.ConnectResult!.TopicAliasMaximum);
        }

        await using var raw = await ConnectRawAsync(app, new MqttConnectPacket { ClientId = Id("no-alias") });
        await raw.SendAsync(PublishV5("a/b", "x", alias: 1));
        Assert.Equal([0xE0, 0x01, 0x94], await raw.ReadPacketAsync());
    }

    [Fact]
    public async Task The_broker_sends_no_topic_aliases_even_to_a_client_that_accepts_them()
    {
        // The spec lets a server never send aliases; it may never send one above the client's maximum [MQTT-3.3.2-11].
        var prefix = $"toward/{Guid.NewGuid():N}";
        await using var raw = await ConnectRawAsync(App, new MqttConnectPacket { ClientId = Id("alias-sub"), TopicAliasMaximum = 2 });
        await raw.SendAsync(new MqttSubscribePacket { PacketIdentifier = 1, TopicFilters = [new MqttTopicFilter { Topic = $"{prefix}/#" }] }, MqttProtocolVersion.V500);
        Assert.Equal(0x90, (await raw.ReadPacketAsync())[0]);

        await using var publisher = await TestClient.ConnectAsync(App);
        string[] topics = [$"{prefix}/a", $"{prefix}/b", $"{prefix}/c", $"{prefix}/a", $"{prefix}/b", $"{prefix}/c"];
        foreach (var topic in topics)
        {
            await publisher.PublishAsync(topic, "v");
        }

        foreach (var topic in topics)
        {
            Assert.Equal((topic, (ushort)0), ParsePublish(await raw.ReadPacketAsync()));
        }
    }

    [Fact]
    public async Task Mosquitto_sub_asking_for_topic_aliases_sees_every_topic_whole()
    {
        // libmosquitto lets a client send Topic Alias Maximum but ends with a protocol error on a PUBLISH that carries only
        // an alias: why the broker sends none.
        var prefix = $"toward/{Guid.NewGuid():N}";
        var clientId = Id("msub-alias");
        // stdbuf: its output is a pipe here, and the SUBACK line must arrive before it exits.
        await using var sub = ExternalProcess.Start("stdbuf",
            ["-oL", "mosquitto_sub", "-h", "127.0.0.1", "-p", Port, "-V", "mqttv5", "-i", clientId, "-t", $"{prefix}/#", "-v", "-d", "-C", "4", "-D", "connect", "topic-alias-maximum", "1"]);
        await sub.WaitForLineAsync("SUBACK");
        await using var publisher = await TestClient.ConnectAsync(App);
        foreach (var topic in new[] { "a", "b", "a", "b" })
        {
            await publisher.PublishAsync($"{prefix}/{topic}", topic);
        }

        await sub.WaitForExitAsync(TestClient.Patience);
        var messages = sub.Output.Split('\n').Where(line => line.StartsWith(prefix, StringComparison.Ordinal)); // -d adds its own lines
        Assert.True(messages.SequenceEqual([$"{prefix}/a a", $"{prefix}/b b", $"{prefix}/a a", $"{prefix}/b b"]), sub.Output);
    }

    [Fact]
    public async Task Mosquitto_sub_with_a_maximum_packet_size_gets_every_message_that_fits_to_the_byte()
    {
        // 64 bytes, as in paho's interoperability test. The topic is 19 characters: a QoS 0 PUBLISH of it with a 40-byte
        // payload is exactly 64 bytes (2 of fixed header, 21 of topic, 1 of properties), and with 41 it is one too many.
        var topic = $"fit/{Guid.NewGuid():N}"[..19];
        var clientId = Id("msub-fit");
        await using var sub = ExternalProcess.Start("stdbuf",
            ["-oL", "mosquitto_sub", "-h", "127.0.0.1", "-p", Port, "-V", "mqttv5", "-i", clientId, "-t", topic, "-d", "-C", "2", "-D", "connect", "maximum-packet-size", "64"]);
        await sub.WaitForLineAsync("SUBACK");
        await using var publisher = await TestClient.ConnectAsync(App);
        await publisher.PublishAsync(topic, new string('a', 40));
        await publisher.PublishAsync(topic, new string('b', 41));
        await publisher.PublishAsync(topic, new string('c', 32));

        await sub.WaitForExitAsync(TestClient.Patience);
        var payloads = sub.Output.Split('\n').Where(line => line.Length > 0 && !line.StartsWith("Client ", StringComparison.Ordinal) && !line.StartsWith("Subscribed", StringComparison.Ordinal));
        Assert.True(payloads.SequenceEqual([new string('a', 40), new string('c', 32)]), sub.Output);
    }

    [Fact]
    public async Task With_SendTopicAliases_a_client_that_allows_aliases_gets_each_topic_once_then_its_alias_up_to_its_maximum()
    {
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?> { ["Broker:SendTopicAliases"] = "true" });
        var prefix = $"aliased/{Guid.NewGuid():N}";
        await using var reader = await ConnectRawAsync(app, new MqttConnectPacket { ClientId = Id("alias-reader"), TopicAliasMaximum = 2 });
        await reader.SendAsync(new MqttSubscribePacket { PacketIdentifier = 1, TopicFilters = [new MqttTopicFilter { Topic = $"{prefix}/#" }] }, MqttProtocolVersion.V500);
        Assert.Equal(0x90, (await reader.ReadPacketAsync())[0]);
        await using var plain = await ConnectRawAsync(app, new MqttConnectPacket { ClientId = Id("alias-less") }); // sets no maximum
        await plain.SendAsync(new MqttSubscribePacket { PacketIdentifier = 1, TopicFilters = [new MqttTopicFilter { Topic = $"{prefix}/#" }] }, MqttProtocolVersion.V500);
        Assert.Equal(0x90, (await plain.ReadPacketAsync())[0]);

        await using var publisher = await TestClient.ConnectAsync(app);
        string[] topics = ["a", "b", "a", "c", "b", "c"];
        foreach (var (topic, i) in topics.Select((t, i) => (t, i)))
        {
            await publisher.PublishAsync($"{prefix}/{topic}", $"m{i}");
        }

        var received = new List<(string Topic, ushort Alias, string Payload)>();
        for (var i = 0; i < topics.Length; i++)
        {
            var publish = Assert.IsType<MqttPublishPacket>(RawMqttSocket.Decode(await reader.ReadPacketAsync(), MqttProtocolVersion.V500));
            received.Add((publish.Topic, publish.TopicAlias, Encoding.UTF8.GetString(publish.Payload)));
        }

        // [MQTT-3.3.2-10/11]: a, b get aliases 1 and 2 with their topics, then the alias alone; c, past the maximum, goes whole.
        Assert.Equal([($"{prefix}/a", 1, "m0"), ($"{prefix}/b", 2, "m1"), ("", 1, "m2"), ($"{prefix}/c", 0, "m3"), ("", 2, "m4"), ($"{prefix}/c", 0, "m5")],
            received.Select(r => (r.Topic, (int)r.Alias, r.Payload)));
        for (var i = 0; i < topics.Length; i++)
        {
            var publish = Assert.IsType<MqttPublishPacket>(RawMqttSocket.Decode(await plain.ReadPacketAsync(), MqttProtocolVersion.V500));
            Assert.Equal(($"{prefix}/{topics[i]}", 0), (publish.Topic, (int)publish.TopicAlias));
        }
    }

    [Fact]
    public async Task An_alias_that_would_take_a_message_over_the_clients_maximum_packet_size_is_left_out_and_the_message_still_arrives()
    {
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?> { ["Broker:SendTopicAliases"] = "true" });
        var topic = $"fit/{Guid.NewGuid():N}"[..19];
        // 64 bytes: header 2, topic 2 + 19, properties 1, payload 40. With an alias, 67.
        await using var reader = await ConnectRawAsync(app, new MqttConnectPacket { ClientId = Id("tight"), TopicAliasMaximum = 5, MaximumPacketSize = 64 });
        await reader.SendAsync(new MqttSubscribePacket { PacketIdentifier = 1, TopicFilters = [new MqttTopicFilter { Topic = topic }] }, MqttProtocolVersion.V500);
        Assert.Equal(0x90, (await reader.ReadPacketAsync())[0]);

        await using var publisher = await TestClient.ConnectAsync(app);
        await publisher.PublishAsync(topic, new string('a', 40));
        await publisher.PublishAsync(topic, new string('b', 40));

        foreach (var payload in new[] { new string('a', 40), new string('b', 40) })
        {
            var bytes = await reader.ReadPacketAsync();
            var publish = Assert.IsType<MqttPublishPacket>(RawMqttSocket.Decode(bytes, MqttProtocolVersion.V500));
            Assert.Equal((64, topic, 0, payload), (bytes.Length, publish.Topic, (int)publish.TopicAlias, Encoding.UTF8.GetString(publish.Payload)));
        }
    }

    [Fact]
    public async Task A_client_that_goes_on_sending_after_its_DISCONNECT_still_reads_the_reason_not_a_reset()
    {
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?> { ["Broker:ReceiveMaximum"] = "2" });
        var topic = $"quota/{Guid.NewGuid():N}";
        await using var greedy = await ConnectRawAsync(app, new MqttConnectPacket { ClientId = Id("still-talking") });

        // As Paho's flow-control test does: three QoS 2 publishes without PUBREL, and more publishes before it reads
        // anything. The broker closes with bytes of the client's still unread: a plain close would be a reset, and the
        // client's next write and its read of the DISCONNECT would fail.
        for (ushort id = 1; id <= 3; id++)
        {
            await greedy.SendAsync(new MqttPublishPacket { Topic = topic, PacketIdentifier = id, QualityOfServiceLevel = MqttQualityOfServiceLevel.ExactlyOnce, PayloadSegment = "too many"u8.ToArray() }, MqttProtocolVersion.V500);
        }

        for (var i = 0; i < 10; i++)
        {
            await Task.Delay(50);
            await greedy.SendAsync(new MqttPublishPacket { Topic = topic, PayloadSegment = new byte[1000] }, MqttProtocolVersion.V500);
        }

        var packets = new List<byte[]>();
        do
        {
            packets.Add(await greedy.ReadPacketAsync());
        }
        while (packets[^1] is [0x50, ..]);
        Assert.Equal([0xE0, 0x01, 0x93], packets[^1]);
        Assert.True(await greedy.ClosedByBrokerWithinAsync(TestClient.Patience));
    }

    [Fact]
    public async Task A_client_with_more_unacknowledged_publishes_than_the_receive_maximum_gets_DISCONNECT_0x93()
    {
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?> { ["Broker:ReceiveMaximum"] = "2" });
        var topic = $"quota/{Guid.NewGuid():N}";
        await using var subscriber = await TestClient.ConnectAsync(app, version: MqttProtocolVersion.V500);
        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.ExactlyOnce);

        // Within the window: each QoS 2 exchange finished (PUBREL → PUBCOMP) before the next, many times over.
        await using var polite = await ConnectRawAsync(app, new MqttConnectPacket { ClientId = Id("polite") });
        for (ushort id = 1; id <= 5; id++)
        {
            await polite.SendAsync(new MqttPublishPacket { Topic = topic, PacketIdentifier = id, QualityOfServiceLevel = MqttQualityOfServiceLevel.ExactlyOnce, PayloadSegment = "ok"u8.ToArray() }, MqttProtocolVersion.V500);
            Assert.Equal(0x50, (await polite.ReadPacketAsync())[0]); // PUBREC
            await polite.SendAsync(new MqttPubRelPacket { PacketIdentifier = id }, MqttProtocolVersion.V500);
            Assert.Equal(0x70, (await polite.ReadPacketAsync())[0]); // PUBCOMP
        }

        // Three QoS 2 publishes without PUBREL: each counts until its PUBCOMP, so the third is one too many.
        await using var greedy = await ConnectRawAsync(app, new MqttConnectPacket { ClientId = Id("greedy") });
        for (ushort id = 1; id <= 3; id++)
        {
            await greedy.SendAsync(new MqttPublishPacket { Topic = topic, PacketIdentifier = id, QualityOfServiceLevel = MqttQualityOfServiceLevel.ExactlyOnce, PayloadSegment = "too many"u8.ToArray() }, MqttProtocolVersion.V500);
        }

        var packets = new List<byte[]>();
        do
        {
            packets.Add(await greedy.ReadPacketAsync());
        }
        while (packets[^1] is [0x50, ..]); // the PUBRECs of the first two
        Assert.Equal([0xE0, 0x01, 0x93], packets[^1]);
        Assert.Equal(2, packets.Count(p => p[0] == 0x50));
        Assert.True(await greedy.ClosedByBrokerWithinAsync(TestClient.Patience));

        var delivered = new List<string>();
        while (!await subscriber.NothingArrivesAsync(TimeSpan.FromMilliseconds(500)))
        {
            delivered.Add((await subscriber.NextAsync()).Text());
        }

        Assert.Equal(5, delivered.Count(p => p == "ok"));
        Assert.Equal(2, delivered.Count(p => p == "too many")); // the third was refused, not delivered

        // MQTT 3.1.1 has no Receive Maximum: its clients are not counted.
        await using var old = await RawMqttSocket.ConnectAsync(app.MqttPort);
        await old.SendAsync(new MqttConnectPacket { ClientId = Id("v311"), CleanSession = true, KeepAlivePeriod = 60 });
        Assert.Equal(0x20, (await old.ReadPacketAsync())[0]);
        for (ushort id = 1; id <= 3; id++)
        {
            await old.SendAsync(new MqttPublishPacket { Topic = topic, PacketIdentifier = id, QualityOfServiceLevel = MqttQualityOfServiceLevel.ExactlyOnce, PayloadSegment = "3.1.1"u8.ToArray() });
        }

        Assert.All([await old.ReadPacketAsync(), await old.ReadPacketAsync(), await old.ReadPacketAsync()], p => Assert.Equal(0x50, p[0]));
    }

    [Fact]
    public async Task A_refused_publish_says_why_unless_the_client_asked_for_no_problem_information()
    {
        await using var curious = await TestClient.ConnectAsync(TestClient.Options(App, version: MqttProtocolVersion.V500).Build());
        var told = await curious.PublishAsync("$SYS/broker/fake", "x", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, told.ReasonCode);
        Assert.False(string.IsNullOrEmpty(told.ReasonString));

        // [MQTT-3.1.2-29]: no Reason String or User Properties on anything but PUBLISH, CONNACK and DISCONNECT.
        await using var quiet = await TestClient.ConnectAsync(TestClient.Options(App, version: MqttProtocolVersion.V500).WithRequestProblemInformation(false).Build());
        var untold = await quiet.PublishAsync("$SYS/broker/fake", "x", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, untold.ReasonCode);
        Assert.True(string.IsNullOrEmpty(untold.ReasonString), untold.ReasonString);
        Assert.Empty(untold.UserProperties ?? []);

        // Everything else still works for it, PUBLISH properties included.
        var topic = $"quiet/{Guid.NewGuid():N}";
        await quiet.SubscribeAsync(topic, MqttQualityOfServiceLevel.ExactlyOnce);
        await curious.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload("with props")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.ExactlyOnce).WithUserProperty("k", "v"u8.ToArray().AsMemory()).Build());
        var message = await quiet.NextAsync();
        Assert.Equal("with props", message.Text());
        Assert.Equal("k", Assert.Single(message.UserProperties).Name);
    }

    [Fact]
    public async Task Asking_for_response_information_connects_and_works_without_any()
    {
        var options = TestClient.Options(App, version: MqttProtocolVersion.V500).WithRequestResponseInformation(true).Build();
        await using var client = await TestClient.ConnectAsync(options);
        Assert.Equal(MqttClientConnectResultCode.Success, client.ConnectResult!.ResultCode);
        Assert.Null(client.ConnectResult.ResponseInformation); // allowed: the server MAY send none
        var topic = $"resp/{Guid.NewGuid():N}";
        await client.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        await client.PublishAsync(topic, "fine", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal("fine", (await client.NextAsync()).Text());
    }

    [Fact]
    public async Task An_empty_client_id_gets_a_unique_assigned_identifier_that_the_broker_uses()
    {
        var options = TestClient.Options(App, version: MqttProtocolVersion.V500).WithClientId("").WithCleanStart().Build();
        await using var first = await TestClient.ConnectAsync(options);
        await using var second = await TestClient.ConnectAsync(options);

        var (a, b) = (first.ConnectResult!.AssignedClientIdentifier, second.ConnectResult!.AssignedClientIdentifier);
        Assert.StartsWith("auto-", a, StringComparison.Ordinal);
        Assert.NotEqual(a, b); // [MQTT-3.1.3-6]: unique, so the second does not take the first over
        await App.WaitForClientAsync(a);
        await App.WaitForClientAsync(b);
        Assert.True(first.Client.IsConnected);
    }

    private string Port => App.MqttPort.ToString(CultureInfo.InvariantCulture);

    private static string Id(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    private static async Task<RawMqttSocket> ConnectRawAsync(DashboardApp app, MqttConnectPacket connect)
    {
        var raw = await RawMqttSocket.ConnectAsync(app.MqttPort);
        connect.CleanSession = true;
        connect.KeepAlivePeriod = 60;
        await raw.SendAsync(connect, MqttProtocolVersion.V500);
        var connAck = await raw.ReadPacketAsync();
        Assert.Equal(0x20, connAck[0]);
        Assert.Equal(0x00, connAck[3]); // success
        return raw;
    }

    private static byte[] PublishV5(string topic, string payload, ushort alias) =>
        RawMqttSocket.Encode(new MqttPublishPacket { Topic = topic, TopicAlias = alias, PayloadSegment = Encoding.UTF8.GetBytes(payload) }, MqttProtocolVersion.V500);

    /// <summary>A QoS 0 PUBLISH carrying Topic Alias 0, which no client library will send.</summary>
    private static byte[] PublishWithAliasZero(string topic) =>
        RawPackets.Packet(0x30, [.. RawPackets.Field(topic), 3, 0x23, 0, 0, .. "x"u8]);

    /// <summary>The topic and Topic Alias (0: none) of a QoS 0 PUBLISH to an MQTT 5 client.</summary>
    private static (string Topic, ushort Alias) ParsePublish(byte[] packet)
    {
        Assert.Equal(0x30, packet[0] & 0xF0);
        var at = 1;
        while ((packet[at] & 0x80) != 0)
        {
            at++;
        }

        at++;
        var topicLength = (packet[at] << 8) | packet[at + 1];
        var topic = Encoding.UTF8.GetString(packet, at + 2, topicLength);
        at += 2 + topicLength;
        var propertiesLength = packet[at++]; // short in these tests: one byte
        var end = at + propertiesLength;
        ushort alias = 0;
        while (at < end)
        {
            var id = packet[at++];
            Assert.Equal(0x23, id); // the only property these messages could get
            alias = (ushort)((packet[at] << 8) | packet[at + 1]);
            at += 2;
        }

        return (topic, alias);
    }

    private static (string, string) Describe(MqttApplicationMessage message) => (message.Topic, message.Text());
}
