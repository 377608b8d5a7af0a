using System.Text;
using Dashboard.Devices;

namespace Dashboard.Tests.Devices;

public sealed class PresenceParserTests
{
    private readonly PresenceParser _parser = new(new DevicesOptions());

    private static PresenceReport? Parse(PresenceParser parser, string topic, string payload) =>
        parser.TryParse(topic, Encoding.UTF8.GetBytes(payload), out var report) ? report : null;

    private PresenceReport? Parse(string topic, string payload) => Parse(_parser, topic, payload);

    // Seeds: the tutorials' status topics, retained statuses and Last Wills, verbatim.

    [Theory]
    [InlineData("home/status", "online", "home", true)]
    [InlineData("home/sensor/status", "offline", "home/sensor", false)]
    [InlineData("home/sensor/status", "online", "home/sensor", true)]
    [InlineData("home/sensor1/status", "offline", "home/sensor1", false)]
    public void Seed_status_topics_carry_the_presence_of_the_rest_of_the_topic(string topic, string payload, string device, bool online) =>
        Assert.Equal(new PresenceReport(device, online), Parse(topic, payload));

    [Theory]
    [InlineData("online", true)]
    [InlineData("ONLINE", true)]
    [InlineData("Online", true)]
    [InlineData("offline", false)]
    [InlineData("Offline", false)]
    [InlineData("connected", true)]
    [InlineData("Disconnected", false)]
    [InlineData("true", true)]
    [InlineData("FALSE", false)]
    [InlineData("1", true)]
    [InlineData("0", false)]
    [InlineData(" online\r\n", true)]
    [InlineData("\toffline ", false)]
    public void Presence_payloads_count_in_any_case_and_trimmed(string payload, bool online) =>
        Assert.Equal(new PresenceReport("home/sensor1", online), Parse("home/sensor1/status", payload));

    [Theory]
    [InlineData("home/sensor1/status")]
    [InlineData("home/sensor1/STATUS")]
    [InlineData("home/sensor1/availability")]
    [InlineData("home/sensor1/Availability")]
    [InlineData("home/sensor1/LWT")]
    [InlineData("home/sensor1/lwt")]
    [InlineData("home/sensor1/state")]
    public void Every_default_status_word_in_any_case_carries_presence(string topic) =>
        Assert.Equal(new PresenceReport("home/sensor1", true), Parse(topic, "online"));

    [Fact]
    public void A_tasmota_last_will_is_presence() =>
        Assert.Equal(new PresenceReport("tele/plug_1", false), Parse("tele/plug_1/LWT", "Offline"));

    [Fact]
    public void A_zigbee2mqtt_availability_object_is_presence() =>
        Assert.Equal(new PresenceReport("zigbee2mqtt/bulb", true), Parse("zigbee2mqtt/bulb/availability", """{"state":"online"}"""));

    [Fact]
    public void The_zigbee2mqtt_bridge_state_is_presence() =>
        Assert.Equal(new PresenceReport("zigbee2mqtt/bridge", false), Parse("zigbee2mqtt/bridge/state", "offline"));

    [Theory]
    [InlineData("""{"status":"online"}""", true)]
    [InlineData("""{"state":"offline","since":"2024-05-01T12:00:00Z"}""", false)]
    [InlineData("""{"Status":"ONLINE"}""", true)]
    [InlineData("""{"since":{"t":[1,2]},"status":"disconnected"}""", false)]
    [InlineData("""{"status":true}""", true)]
    [InlineData("""{"status":0}""", false)]
    [InlineData("""{"status":"1"}""", true)]
    [InlineData("""{"st\u0061tus":"\u006fnline"}""", true)]
    [InlineData("""{"status":"online","state":"offline"}""", true)]
    [InlineData("""{"battery":90,"status":" offline "}""", false)]
    [InlineData(""" { "status" : "online" , } """, true)]
    public void A_json_status_or_state_field_carries_presence(string payload, bool online) =>
        Assert.Equal(new PresenceReport("home/sensor1", online), Parse("home/sensor1/status", payload));

    [Theory]
    [InlineData("\"online\"", true)]
    [InlineData("\"Offline\"", false)]
    public void A_json_string_counts_like_its_content(string payload, bool online) =>
        Assert.Equal(new PresenceReport("home/sensor1", online), Parse("home/sensor1/status", payload));

    // The state topic word and the state field take only unambiguous payloads.

    [Theory]
    [InlineData("ON")]
    [InlineData("OFF")]
    [InlineData("on")]
    [InlineData("true")]
    [InlineData("false")]
    [InlineData("1")]
    [InlineData("0")]
    [InlineData("open")]
    [InlineData("""{"state":"ON"}""")]
    [InlineData("""{"status":"true"}""")]
    public void A_lights_state_is_not_presence(string payload) => Assert.Null(Parse("home/led/state", payload));

    [Theory]
    [InlineData("""{"state":true}""")]
    [InlineData("""{"state":"1"}""")]
    [InlineData("""{"state":"ON"}""")]
    public void A_json_state_field_needs_an_unambiguous_payload_even_on_a_status_topic(string payload) =>
        Assert.Null(Parse("home/led/status", payload));

    [Theory]
    [InlineData("online", true)]
    [InlineData("Disconnected", false)]
    public void A_state_topic_with_an_unambiguous_payload_is_presence(string payload, bool online) =>
        Assert.Equal(new PresenceReport("home/led", online), Parse("home/led/state", payload));

    [Fact]
    public void A_tasmota_state_telemetry_object_is_not_presence() =>
        Assert.Null(Parse("tele/plug_1/STATE", """{"Time":"2024-05-01T12:00:00","Uptime":"0T01:00:00","POWER":"ON"}"""));

    // Not presence

    [Theory]
    [InlineData("home/sensor1/temperature", "online")]
    [InlineData("home/sensor1/status/extra", "online")]
    [InlineData("home/sensor1/status/", "online")]
    [InlineData("home/sensor1/statuses", "online")]
    [InlineData("home/sensor1/mystatus", "online")]
    public void Other_topics_are_not_presence(string topic, string payload) => Assert.Null(Parse(topic, payload));

    [Theory]
    [InlineData("status")]
    [InlineData("/status")]
    [InlineData("LWT")]
    [InlineData("")]
    public void A_topic_that_is_only_a_status_word_names_no_device(string topic) => Assert.Null(Parse(topic, "online"));

    [Fact]
    public void A_null_topic_is_not_presence() => Assert.False(_parser.TryParse(null!, "online"u8, out _));

    [Fact]
    public void An_empty_payload_is_a_cleared_status_not_presence() =>
        Assert.False(_parser.TryParse("home/sensor1/status", [], out _));

    [Theory]
    [InlineData(" ")]
    [InlineData("\r\n")]
    [InlineData("hello")]
    [InlineData("online!")]
    [InlineData("on line")]
    [InlineData("onlinee")]
    [InlineData("2")]
    [InlineData("1.0")]
    [InlineData("yes")]
    [InlineData("null")]
    [InlineData("\"\"")]
    [InlineData("\"online")]
    [InlineData("[\"online\"]")]
    [InlineData("{}")]
    [InlineData("""{"status":"weird"}""")]
    [InlineData("""{"status":null}""")]
    [InlineData("""{"status":{"value":"online"}}""")]
    [InlineData("""{"health":"online"}""")]
    [InlineData("""{"status":"online""")]
    [InlineData("""{"status":"online"}}""")]
    [InlineData("""{"status":"online"} x""")]
    [InlineData("""{"status":"online","a":NaN}""")]
    [InlineData("""{"status":"\uD800"}""")]
    [InlineData("""{status:"online"}""")]
    public void Anything_else_on_a_status_topic_is_not_presence(string payload) =>
        Assert.Null(Parse("home/sensor1/status", payload));

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFE, 0x00 })]
    [InlineData(new byte[] { 0x6F, 0x6E, 0x6C, 0x69, 0x6E, 0x65, 0xFF })] // "online" then a stray byte
    [InlineData(new byte[] { 0x00 })]
    public void Binary_payloads_are_not_presence(byte[] payload) =>
        Assert.False(_parser.TryParse("home/sensor1/status", payload, out _));

    [Fact]
    public void Payloads_larger_than_the_limit_are_not_presence()
    {
        var padded = "{\"status\":\"online\",\"pad\":\"" + new string('x', PresenceParser.MaxPayloadBytes) + "\"}";

        Assert.Null(Parse("home/sensor1/status", padded));
    }

    [Fact]
    public void Deeply_nested_json_is_not_presence_and_does_not_throw() =>
        Assert.Null(Parse("home/sensor1/status", "{\"a\":" + new string('[', 2_000) + new string(']', 2_000) + ",\"status\":\"online\"}"));

    // Options

    [Fact]
    public void Configured_words_replace_the_defaults()
    {
        var parser = new PresenceParser(new DevicesOptions
        {
            StatusWords = ["heartbeat"],
            OnlinePayloads = ["alive"],
            OfflinePayloads = ["dead"],
        });

        Assert.Equal(new PresenceReport("farm/pump", true), Parse(parser, "farm/pump/heartbeat", "ALIVE"));
        Assert.Equal(new PresenceReport("farm/pump", false), Parse(parser, "farm/pump/heartbeat", """{"status":"dead"}"""));
        Assert.Null(Parse(parser, "farm/pump/status", "alive"));
        Assert.Null(Parse(parser, "farm/pump/heartbeat", "online"));
    }

    [Fact]
    public void Configured_words_are_trimmed_and_blank_ones_ignored()
    {
        var parser = new PresenceParser(new DevicesOptions
        {
            StatusWords = [" Status ", "", "  "],
            OnlinePayloads = [" UP ", ""],
            OfflinePayloads = ["Down"],
        });

        Assert.Equal(new PresenceReport("a", true), Parse(parser, "a/status", "up"));
        Assert.Equal(new PresenceReport("a", false), Parse(parser, "a/STATUS", "DOWN"));
        Assert.Null(Parse(parser, "a/status", ""));
    }

    [Fact]
    public void Non_ascii_configured_words_match_in_any_case()
    {
        var parser = new PresenceParser(new DevicesOptions
        {
            StatusWords = ["zustand"],
            OnlinePayloads = ["verfügbar"],
            OfflinePayloads = ["nicht verfügbar"],
        });

        Assert.Equal(new PresenceReport("haus/lampe", true), Parse(parser, "haus/lampe/Zustand", "VERFÜGBAR"));
        Assert.Equal(new PresenceReport("haus/lampe", false), Parse(parser, "haus/lampe/zustand", "Nicht Verfügbar"));
    }

    [Fact]
    public void A_configured_state_word_still_takes_only_unambiguous_payloads()
    {
        var parser = new PresenceParser(new DevicesOptions
        {
            StatusWords = ["state"],
            OnlinePayloads = ["alive", "yes", "2"],
            OfflinePayloads = ["dead", "no"],
        });

        Assert.Equal(new PresenceReport("x", true), Parse(parser, "x/state", "alive"));
        Assert.Null(Parse(parser, "x/state", "yes"));
        Assert.Null(Parse(parser, "x/state", "2"));
        Assert.Null(Parse(parser, "x/state", "no"));
    }

    [Fact]
    public void Empty_lists_recognise_nothing()
    {
        var parser = new PresenceParser(new DevicesOptions { StatusWords = [], OnlinePayloads = [], OfflinePayloads = [] });

        Assert.Null(Parse(parser, "home/sensor1/status", "online"));
    }

    // Fuzzing: nothing throws.

    [Fact]
    public void Random_and_mutated_payloads_never_throw()
    {
        string[] valid = ["online", "offline", "true", "0", """{"status":"online"}""", """{"state":"offline","since":1}""", "\"online\""];
        string[] topics = ["home/sensor1/status", "home/led/state", "tele/x/LWT", "status", "a/b"];
        var random = new Random(99);
        var recognised = 0;
        for (var i = 0; i < 20_000; i++)
        {
            byte[] payload;
            if (i % 2 == 0)
            {
                payload = new byte[random.Next(0, 64)];
                random.NextBytes(payload);
            }
            else
            {
                var bytes = new List<byte>(Encoding.UTF8.GetBytes(valid[random.Next(valid.Length)]));
                var at = random.Next(bytes.Count);
                switch (random.Next(3))
                {
                    case 0:
                        bytes[at] = (byte)random.Next(256);
                        break;
                    case 1:
                        bytes.RemoveAt(at);
                        break;
                    default:
                        bytes.Insert(at, "{}[]\":, \\"u8[random.Next(9)]);
                        break;
                }

                payload = [.. bytes];
            }

            if (_parser.TryParse(topics[random.Next(topics.Length)], payload, out var report))
            {
                recognised++;
                Assert.False(string.IsNullOrEmpty(report.DeviceId));
            }
        }

        Assert.InRange(recognised, 1, 20_000);
    }
}
