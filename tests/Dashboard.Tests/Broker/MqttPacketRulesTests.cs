using Dashboard.Broker.Transport;
using MQTTnet.Formatter;

namespace Dashboard.Tests.Broker;

public sealed class MqttPacketRulesTests
{
    private static byte[] Field(params byte[] bytes) => [(byte)(bytes.Length >> 8), (byte)bytes.Length, .. bytes];

    private static byte[] Field(string value) => Field(System.Text.Encoding.UTF8.GetBytes(value));

    private static string? V311(byte fixedHeader, byte[] body) => MqttPacketRules.Violation(fixedHeader, body, MqttProtocolVersion.V311);

    private static string? V5(byte fixedHeader, byte[] body) => MqttPacketRules.Violation(fixedHeader, body, MqttProtocolVersion.V500);

    [Theory]
    [InlineData("61")]
    [InlineData("612F62")]
    [InlineData("")]
    [InlineData("C3A9")] // é
    [InlineData("E6B8A9")] // 温
    [InlineData("F09F9880")] // U+1F600
    [InlineData("EFBFBF")] // U+FFFF: a non-character, allowed [MQTT-1.5.3-3]
    [InlineData("01")] // a control character: SHOULD NOT, not MUST NOT
    public void Well_formed_strings_are_valid(string hex) => Assert.True(MqttPacketRules.IsValidString(Convert.FromHexString(hex)));

    [Theory]
    [InlineData("C0AF")] // overlong '/'
    [InlineData("C080")] // overlong NUL
    [InlineData("E080AF")] // overlong '/' in three bytes
    [InlineData("EDA080")] // U+D800
    [InlineData("EDBFBF")] // U+DFFF
    [InlineData("FF")]
    [InlineData("80")]
    [InlineData("C328")]
    [InlineData("F4908080")] // over U+10FFFF
    [InlineData("00")] // U+0000 [MQTT-1.5.3-2]
    [InlineData("610062")]
    public void Ill_formed_strings_and_nul_are_invalid(string hex) => Assert.False(MqttPacketRules.IsValidString(Convert.FromHexString(hex)));

    [Fact]
    public void A_good_publish_passes_at_every_qos_and_version()
    {
        Assert.Null(V311(0x30, [.. Field("a/b"), .. "x"u8]));
        Assert.Null(V311(0x33, [.. Field("a/b"), 0, 1, .. "x"u8]));
        Assert.Null(V311(0x3D, [.. Field("a/b"), 0, 1]));
        Assert.Null(V5(0x32, [.. Field("a/b"), 0, 1, 0]));
        byte[] properties = [0x01, 1, 0x02, 0, 0, 0, 60, 0x23, 0, 1, 0x08, .. Field("r/t"), 0x09, .. Field(0xFF, 0x00), 0x03, .. Field("json"), 0x0B, 0x81, 0x01, 0x26, .. Field("k"), .. Field("v")];
        Assert.Null(V5(0x32, [.. Field("a/b"), 0, 1, (byte)properties.Length, .. properties, .. "payload"u8]));
    }

    [Fact]
    public void A_publish_topic_that_is_not_utf8_breaks_MQTT_1_5_3_1() =>
        Assert.Contains("MQTT-1.5.3-1", V311(0x30, [.. Field(0x61, 0x2F, 0xC0, 0xAF), .. "x"u8]));

    [Fact]
    public void A_string_property_that_is_not_utf8_is_malformed_in_mqtt5()
    {
        byte[] userProperty = [0x26, .. Field("k"), .. Field(0xED, 0xA0, 0x80)];
        Assert.NotNull(V5(0x30, [.. Field("a"), (byte)userProperty.Length, .. userProperty]));
        byte[] reasonString = [0x1F, .. Field(0xFF)];
        Assert.NotNull(V5(0xE0, [0x00, (byte)reasonString.Length, .. reasonString]));
        Assert.NotNull(V5(0x40, [0, 1, 0x10, (byte)reasonString.Length, .. reasonString]));
    }

    [Fact]
    public void Binary_properties_may_hold_any_bytes()
    {
        byte[] correlation = [0x09, .. Field(0xFF, 0x00, 0xC0, 0xAF)];
        Assert.Null(V5(0x30, [.. Field("a"), (byte)correlation.Length, .. correlation]));
    }

    [Fact]
    public void Connect_strings_are_checked_and_the_password_is_not()
    {
        byte[] Connect(byte flags, params byte[][] fields) => [.. Field("MQTT"), 4, flags, 0, 30, .. fields.SelectMany(f => f)];

        Assert.Null(V311(0x10, Connect(0xC6, Field("id"), Field("w/t"), Field(0xFF), Field("user"), Field(0xFF, 0xC0))));
        Assert.NotNull(V311(0x10, Connect(0x02, Field(0xC0, 0xAF))));
        Assert.NotNull(V311(0x10, Connect(0x06, Field("id"), Field(0xED, 0xA0, 0x80), Field("m"))));
        Assert.NotNull(V311(0x10, Connect(0x82, Field("id"), Field(0x00))));
    }

    [Theory]
    [InlineData(0x80, "MQTT-3.8.1-1")]
    [InlineData(0x8A, "MQTT-3.8.1-1")]
    [InlineData(0xA0, "MQTT-3.10.1-1")]
    [InlineData(0x60, "MQTT-2.2.2-2")]
    [InlineData(0xC1, "MQTT-2.2.2-2")]
    public void Wrong_fixed_header_flags_are_refused(byte fixedHeader, string rule) =>
        Assert.Contains(rule, V311(fixedHeader, [0, 1, .. Field("a"), 0]));

    [Fact]
    public void Subscribe_and_unsubscribe_need_a_filter_and_a_packet_id()
    {
        Assert.Contains("MQTT-3.8.3-3", V311(0x82, [0, 1]));
        Assert.Contains("MQTT-3.10.3-2", V311(0xA2, [0, 1]));
        Assert.Contains("MQTT-3.8.3-3", V5(0x82, [0, 1, 0]));
        Assert.Contains("MQTT-2.3.1-1", V311(0x82, [0, 0, .. Field("a"), 0]));
        Assert.Contains("MQTT-2.3.1-1", V311(0xA2, [0, 0, .. Field("a")]));
        Assert.Null(V311(0x82, [0, 1, .. Field("a/#"), 1, .. Field("b"), 2]));
        Assert.Null(V5(0x82, [0, 1, 0, .. Field("a/#"), 0x2E]));
        Assert.Null(V311(0xA2, [0, 1, .. Field("a/#"), .. Field("b")]));
    }

    [Theory]
    [InlineData(0x03)]
    [InlineData(0x04)]
    [InlineData(0x80)]
    public void Subscribe_options_with_qos_3_or_reserved_bits_are_refused(byte options) =>
        Assert.Contains("MQTT-3.8.3-4", V311(0x82, [0, 1, .. Field("a"), options]));

    [Fact]
    public void Publish_qos_3_and_packet_id_0_are_refused()
    {
        Assert.Contains("MQTT-3.3.1-4", V311(0x36, [.. Field("a"), 0, 1]));
        Assert.Contains("MQTT-2.3.1-1", V311(0x32, [.. Field("a"), 0, 0]));
        Assert.Contains("MQTT-2.3.1-1", V5(0x34, [.. Field("a"), 0, 0, 0]));
    }

    [Fact]
    public void A_body_too_short_to_walk_is_left_to_the_decoder()
    {
        Assert.Null(V311(0x30, [0, 5, 0x61]));
        Assert.Null(V311(0x82, [0]));
        Assert.Null(V5(0x30, [.. Field("a"), 0x05, 0x26]));
    }

    [Fact]
    public void Mqtt_3_1_keeps_its_dup_flag_on_subscribe()
    {
        Assert.Null(MqttPacketRules.Violation(0x8A, [0, 1, .. Field("a"), 0], MqttProtocolVersion.V310));
    }

    [Fact]
    public void Topic_alias_0_is_named_so_it_gets_DISCONNECT_0x94()
    {
        Assert.Same(MqttPacketRules.TopicAliasZero, V5(0x30, [.. Field("a"), 3, 0x23, 0, 0, .. "x"u8]));
        Assert.Null(V5(0x30, [.. Field(""), 3, 0x23, 0, 7, .. "x"u8]));
        Assert.Null(V311(0x30, [.. Field("a"), 3, 0x23, 0, 0])); // 3.1.1 has no properties: that is payload
    }

    [Fact]
    public void A_disconnect_session_expiry_is_read_when_present_zero_included()
    {
        Assert.Null(MqttPacketRules.DisconnectSessionExpiry([]));
        Assert.Null(MqttPacketRules.DisconnectSessionExpiry([0x00]));
        Assert.Null(MqttPacketRules.DisconnectSessionExpiry([0x00, 0x00]));
        Assert.Equal(0u, MqttPacketRules.DisconnectSessionExpiry([0x00, 5, 0x11, 0, 0, 0, 0]));
        Assert.Equal(3600u, MqttPacketRules.DisconnectSessionExpiry([0x04, 11, 0x1F, .. Field("bye"), 0x11, 0, 0, 0x0E, 0x10]));
    }
}
