using Dashboard.Broker.Metrics;
using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet.Protocol;
using static Dashboard.IntegrationTests.Infrastructure.RawPackets;

namespace Dashboard.IntegrationTests.Broker;

/// <summary>
/// The protocol's own rules on bad input (MQTT 3.1.1 §1.5.3, §2.2.2, §2.3.1, §3.3.1, §3.8, §3.10; MQTT 5 §1.5.4):
/// each breach closes the offending connection, and nothing of it reaches anyone. A watcher subscribed to
/// <c>#</c> sees every test; a well-behaved client round-trips after each.
/// </summary>
public sealed class BadInputProtocolRulesTests(StrictAppFixture fixture) : IClassFixture<StrictAppFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(500);
    private TestClient _watcher = null!;
    private long _malformedBefore;

    private DashboardApp App => fixture.App;

    private BrokerMetrics Metrics => App.Services.GetRequiredService<BrokerMetrics>();

    public async Task InitializeAsync()
    {
        _watcher = await TestClient.ConnectAsync(App);
        await _watcher.SubscribeAsync("#", MqttQualityOfServiceLevel.AtLeastOnce);
        _malformedBefore = Metrics.PacketsMalformed;
    }

    public async Task DisposeAsync()
    {
        // Nothing of the bad client reached the watcher; the broker still serves it.
        Assert.True(await _watcher.NothingArrivesAsync(Quiet), "a refused packet was delivered");
        var topic = $"good/{Guid.NewGuid():N}";
        await _watcher.PublishAsync(topic, "still fine", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal("still fine", (await _watcher.NextOnAsync(topic)).Text());
        await _watcher.DisposeAsync();

        // Nor was anything retained: a new subscriber on # gets no retained message.
        await using var late = await TestClient.ConnectAsync(App);
        await late.SubscribeAsync("#");
        Assert.True(await late.NothingArrivesAsync(Quiet), "a refused packet was retained");
    }

    public static TheoryData<string, byte[]> BadUtf8 => new()
    {
        { "overlong '/' (C0 AF)", [0xC0, 0xAF] },
        { "overlong NUL (C0 80)", [0xC0, 0x80] },
        { "surrogate U+D800 (ED A0 80)", [0xED, 0xA0, 0x80] },
        { "surrogate U+DFFF (ED BF BF)", [0xED, 0xBF, 0xBF] },
        { "not UTF-8 (FF)", [0xFF] },
        { "lone continuation (80)", [0x80] },
        { "truncated sequence (C3 28)", [0xC3, 0x28] },
        { "over U+10FFFF (F4 90 80 80)", [0xF4, 0x90, 0x80, 0x80] },
        { "U+0000", [0x00] }, // [MQTT-1.5.3-2]
    };

    private static byte[] Topic(byte[] bad) => [.. "a/"u8, .. bad];

    private async Task<RawMqttSocket> ConnectedAsync(string clientId)
    {
        var socket = await RawMqttSocket.ConnectAsync(App.MqttPort);
        await socket.SendAsync(Connect(clientId));
        Assert.Equal(new byte[] { 0x20, 0x02, 0x00, 0x00 }, await socket.ReadAsync(4));
        return socket;
    }

    private async Task<RawMqttSocket> ConnectedV5Async(string clientId)
    {
        var socket = await RawMqttSocket.ConnectAsync(App.MqttPort);
        await socket.SendAsync(ConnectV5(clientId));
        var connAck = await socket.ReadPacketAsync();
        Assert.True(connAck.Length >= 4 && connAck[0] == 0x20 && connAck[3] == 0x00, $"CONNACK {Convert.ToHexString(connAck)}");
        return socket;
    }

    private async Task AssertRefusedAsync(RawMqttSocket socket, string what = "")
    {
        Assert.True(await socket.ClosedByBrokerWithinAsync(Prompt), $"the connection was left open {what}");
        Assert.True(Metrics.PacketsMalformed > _malformedBefore, "the refusal was not counted");
    }

    // [MQTT-1.5.3-1] ill-formed UTF-8 and [MQTT-1.5.3-2] U+0000 in a topic name close the connection.
    [Theory]
    [MemberData(nameof(BadUtf8))]
    public async Task MQTT_1_5_3_1_a_publish_topic_that_is_not_well_formed_utf8_closes_the_connection(string what, byte[] bad)
    {
        await using var socket = await ConnectedAsync($"bad-topic-{Guid.NewGuid():N}");

        await socket.SendAsync(Packet(0x31, [.. Field(Topic(bad)), .. "x"u8])); // QoS 0, retained

        await AssertRefusedAsync(socket, what);
    }

    [Fact]
    public async Task MQTT_1_5_3_1_an_overlong_slash_is_not_the_topic_a__and_is_not_delivered_to_it()
    {
        await using var exact = await TestClient.ConnectAsync(App);
        await exact.SubscribeAsync("a//");
        await using var socket = await ConnectedAsync("overlong-slash");

        await socket.SendAsync(Packet(0x33, [.. Field([.. "a/"u8, 0xC0, 0xAF]), 0, 7, .. "x"u8])); // QoS 1, retained

        await AssertRefusedAsync(socket);
        Assert.True(await exact.NothingArrivesAsync(Quiet));
    }

    [Fact]
    public async Task MQTT_1_5_3_1_a_connect_client_id_that_is_not_utf8_closes_the_connection()
    {
        await using var socket = await RawMqttSocket.ConnectAsync(App.MqttPort);

        await socket.SendAsync(Packet(0x10, [.. Field("MQTT"), 4, 0x02, 0, 30, .. Field([.. "id-"u8, 0xED, 0xA0, 0x80])]));

        Assert.Empty(await socket.ReadAsync(4)); // no CONNACK: 3.1.1 has no return code for it
        await AssertRefusedAsync(socket);
    }

    [Fact]
    public async Task MQTT_1_5_3_1_a_will_topic_that_is_not_utf8_closes_the_connection_and_the_will_is_not_sent()
    {
        await using var socket = await RawMqttSocket.ConnectAsync(App.MqttPort);

        // Clean session, will flag, will QoS 0: client id, will topic, will message.
        await socket.SendAsync(Packet(0x10, [.. Field("MQTT"), 4, 0x06, 0, 30, .. Field("will-bad"), .. Field([.. "a/"u8, 0xC0, 0xAF]), .. Field("gone")]));

        Assert.Empty(await socket.ReadAsync(4));
        await AssertRefusedAsync(socket);
    }

    [Fact]
    public async Task MQTT_1_5_3_1_a_username_that_is_not_utf8_closes_the_connection()
    {
        await using var socket = await RawMqttSocket.ConnectAsync(App.MqttPort);

        // Clean session, username and password.
        await socket.SendAsync(Packet(0x10, [.. Field("MQTT"), 4, 0xC2, 0, 30, .. Field("user-bad"), .. Field([0xFF, 0xFE]), .. Field("pw")]));

        Assert.Empty(await socket.ReadAsync(4));
        await AssertRefusedAsync(socket);
    }

    [Fact]
    public async Task MQTT_1_5_3_1_a_subscribe_filter_that_is_not_utf8_closes_the_connection()
    {
        await using var socket = await ConnectedAsync("sub-bad-utf8");

        await socket.SendAsync(Packet(0x82, [0, 1, .. Field([.. "a/"u8, 0xC0, 0xAF]), 0]));

        await AssertRefusedAsync(socket);
    }

    [Fact]
    public async Task MQTT_1_5_3_2_a_subscribe_filter_with_u0000_closes_the_connection()
    {
        await using var socket = await ConnectedAsync("sub-nul");

        await socket.SendAsync(Packet(0x82, [0, 1, .. Field("ok/#"), 0, .. Field([.. "a"u8, 0x00]), 0]));

        await AssertRefusedAsync(socket);
    }

    [Fact]
    public async Task MQTT_1_5_3_1_an_unsubscribe_filter_that_is_not_utf8_closes_the_connection()
    {
        await using var socket = await ConnectedAsync("unsub-bad-utf8");

        await socket.SendAsync(Packet(0xA2, [0, 1, .. Field([0xED, 0xBF, 0xBF])]));

        await AssertRefusedAsync(socket);
    }

    // MQTT 5 §1.5.4 and §4.13: a malformed packet; after CONNACK the server sends DISCONNECT 0x81 and closes.
    [Fact]
    public async Task MQTT5_1_5_4_a_publish_topic_that_is_not_utf8_gets_disconnect_0x81()
    {
        await using var socket = await ConnectedV5Async("v5-bad-topic");

        await socket.SendAsync(Packet(0x30, [.. Field([.. "a/"u8, 0xC0, 0xAF]), 0, .. "x"u8])); // no properties

        Assert.Equal(new byte[] { 0xE0, 0x01, 0x81 }, await socket.ReadPacketAsync());
        await AssertRefusedAsync(socket);
    }

    [Fact]
    public async Task MQTT5_1_5_4_a_user_property_that_is_not_utf8_gets_disconnect_0x81()
    {
        await using var socket = await ConnectedV5Async("v5-bad-property");
        byte[] property = [0x26, .. Field("key"), .. Field([0xED, 0xA0, 0x80])]; // User Property

        await socket.SendAsync(Packet(0x30, [.. Field("a/b"), (byte)property.Length, .. property, .. "x"u8]));

        Assert.Equal(new byte[] { 0xE0, 0x01, 0x81 }, await socket.ReadPacketAsync());
        await AssertRefusedAsync(socket);
    }

    [Fact]
    public async Task MQTT5_1_5_4_a_content_type_that_is_not_utf8_gets_disconnect_0x81()
    {
        await using var socket = await ConnectedV5Async("v5-bad-content-type");
        byte[] property = [0x03, .. Field([0xC0, 0x80])]; // Content Type

        await socket.SendAsync(Packet(0x30, [.. Field("a/b"), (byte)property.Length, .. property, .. "x"u8]));

        Assert.Equal(new byte[] { 0xE0, 0x01, 0x81 }, await socket.ReadPacketAsync());
        await AssertRefusedAsync(socket);
    }

    [Fact]
    public async Task MQTT5_1_5_4_a_connect_client_id_that_is_not_utf8_gets_connack_0x81()
    {
        await using var socket = await RawMqttSocket.ConnectAsync(App.MqttPort);

        await socket.SendAsync(Packet(0x10, [.. Field("MQTT"), 5, 0x02, 0, 30, 0, .. Field([0xFF])]));

        Assert.Equal(new byte[] { 0x20, 0x03, 0x00, 0x81, 0x00 }, await socket.ReadPacketAsync());
        await AssertRefusedAsync(socket);
    }

    // [MQTT-3.8.1-1] SUBSCRIBE's fixed header flags are 0010, anything else closes the connection.
    [Theory]
    [InlineData(0x80)]
    [InlineData(0x83)]
    [InlineData(0x8A)]
    public async Task MQTT_3_8_1_1_a_subscribe_with_wrong_flags_closes_the_connection(byte firstByte)
    {
        await using var socket = await ConnectedAsync($"sub-flags-{firstByte:X2}");

        await socket.SendAsync(Packet(firstByte, [0, 1, .. Field("a/#"), 0]));

        await AssertRefusedAsync(socket);
    }

    // [MQTT-3.8.3-3] a SUBSCRIBE carries at least one topic filter.
    [Fact]
    public async Task MQTT_3_8_3_3_a_subscribe_without_filters_closes_the_connection()
    {
        await using var socket = await ConnectedAsync("sub-empty");

        await socket.SendAsync(Packet(0x82, [0, 1]));

        await AssertRefusedAsync(socket);
    }

    // [MQTT-3.10.1-1] UNSUBSCRIBE's fixed header flags are 0010.
    [Theory]
    [InlineData(0xA0)]
    [InlineData(0xA3)]
    public async Task MQTT_3_10_1_1_an_unsubscribe_with_wrong_flags_closes_the_connection(byte firstByte)
    {
        await using var socket = await ConnectedAsync($"unsub-flags-{firstByte:X2}");

        await socket.SendAsync(Packet(firstByte, [0, 1, .. Field("a/#")]));

        await AssertRefusedAsync(socket);
    }

    // [MQTT-3.10.3-2] an UNSUBSCRIBE carries at least one topic filter.
    [Fact]
    public async Task MQTT_3_10_3_2_an_unsubscribe_without_filters_closes_the_connection()
    {
        await using var socket = await ConnectedAsync("unsub-empty");

        await socket.SendAsync(Packet(0xA2, [0, 1]));

        await AssertRefusedAsync(socket);
    }

    // [MQTT-2.3.1-1] QoS 1 and 2 PUBLISH, SUBSCRIBE and UNSUBSCRIBE carry a non-zero packet identifier.
    [Theory]
    [InlineData(0x32)]
    [InlineData(0x34)]
    [InlineData(0x35)]
    public async Task MQTT_2_3_1_1_a_qos_1_or_2_publish_with_packet_id_0_closes_the_connection_and_delivers_nothing(byte firstByte)
    {
        await using var socket = await ConnectedAsync($"pid0-{firstByte:X2}");

        await socket.SendAsync(Packet(firstByte, [.. Field("a/pid0"), 0, 0, .. "x"u8]));

        await AssertRefusedAsync(socket);
    }

    [Fact]
    public async Task MQTT_2_3_1_1_a_subscribe_with_packet_id_0_closes_the_connection()
    {
        await using var socket = await ConnectedAsync("sub-pid0");

        await socket.SendAsync(Packet(0x82, [0, 0, .. Field("a/#"), 0]));

        await AssertRefusedAsync(socket);
    }

    // [MQTT-3.3.1-4] a PUBLISH with both QoS bits set closes the connection, and is not delivered first.
    [Theory]
    [InlineData(0x36)]
    [InlineData(0x37)]
    public async Task MQTT_3_3_1_4_a_publish_with_qos_3_closes_the_connection_and_delivers_nothing(byte firstByte)
    {
        await using var socket = await ConnectedAsync($"qos3-{firstByte:X2}");

        await socket.SendAsync(Packet(firstByte, [.. Field("a/qos3"), 0, 9, .. "x"u8]));

        await AssertRefusedAsync(socket);
    }

    // [MQTT-3.8.3-4] the requested QoS byte of a SUBSCRIBE: reserved bits 0, QoS 0..2.
    [Theory]
    [InlineData(0x03)]
    [InlineData(0x04)]
    public async Task MQTT_3_8_3_4_a_subscribe_with_bad_requested_qos_closes_the_connection(byte options)
    {
        await using var socket = await ConnectedAsync($"sub-qos-{options:X2}");

        await socket.SendAsync(Packet(0x82, [0, 1, .. Field("a/#"), options]));

        await AssertRefusedAsync(socket);
    }

    [Fact]
    public async Task Well_formed_multibyte_topics_still_work()
    {
        var topic = $"capteurs/été/温度/{Guid.NewGuid():N}";
        await using var client = await TestClient.ConnectAsync(App);
        await client.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        await client.PublishAsync(topic, "21.5", MqttQualityOfServiceLevel.AtLeastOnce);

        Assert.Equal("21.5", (await client.NextAsync()).Text());
        Assert.Equal(topic, (await _watcher.NextOnAsync(topic)).Topic);
    }
}
