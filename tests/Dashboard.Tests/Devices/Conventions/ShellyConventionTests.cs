using System.Text;
using Dashboard.Devices;
using Dashboard.Devices.Conventions;

namespace Dashboard.Tests.Devices.Conventions;

/// <summary>Shelly's MQTT topics as shelly-api-docs.shelly.cloud documents them, Gen1 and Gen2+.</summary>
public sealed class ShellyConventionTests
{
    private const string Plus = "shellyplus1pm-a8032ab12345";
    private static readonly DateTimeOffset Arrived = new(2024, 1, 1, 11, 0, 5, TimeSpan.Zero);
    private readonly ShellyConvention _convention = new();

    private ConventionReading? Read(string topic, string payload) => _convention.Read(topic, Encoding.UTF8.GetBytes(payload), Arrived);

    private static (string Metric, double Value, string? Unit)[] Values(ConventionReading? reading) =>
        [.. reading!.Payload!.Values.Select(v => (v.Metric, v.Value, v.Unit))];

    [Fact]
    public void Gen1_online_is_the_presence_of_the_same_device_as_its_readings()
    {
        Assert.Equal(new PresenceReport("shellies/shellyht-6FE1A9", true), Read("shellies/shellyht-6FE1A9/online", "true")!.Presence);
        Assert.Equal(new PresenceReport("shellies/shellyht-6FE1A9", false), Read("shellies/shellyht-6FE1A9/online", "false")!.Presence);
        Assert.Equal("shellies/shellyht-6FE1A9", Read("shellies/shellyht-6FE1A9/sensor/temperature", "21.50")!.DeviceId);
    }

    [Theory]
    [InlineData("sensor/temperature", "21.50", "temperature", 21.5, "°C")]
    [InlineData("sensor/humidity", "45.5", "humidity", 45.5, "%")]
    [InlineData("sensor/battery", "87", "battery", 87, "%")]
    [InlineData("sensor/lux", "120", "lux", 120, "lx")]
    [InlineData("sensor/state", "open", "state", 1, null)]
    [InlineData("sensor/state", "close", "state", 0, null)]
    [InlineData("sensor/flood", "true", "flood", 1, null)]
    [InlineData("relay/0", "on", "relay 0", 1, null)]
    [InlineData("relay/1", "off", "relay 1", 0, null)]
    [InlineData("relay/0", "overpower", "relay 0", 0, null)]
    [InlineData("relay/0/power", "54.12", "relay 0 power", 54.12, "W")]
    [InlineData("relay/0/energy", "120", "relay 0 energy", 2, "Wh")]
    [InlineData("emeter/0/total", "1500.5", "emeter 0 total", 1500.5, "Wh")]
    [InlineData("emeter/0/voltage", "231.2", "emeter 0 voltage", 231.2, "V")]
    [InlineData("roller/0/pos", "42", "roller 0 pos", 42, "%")]
    [InlineData("temperature", "47.3", "temperature", 47.3, "°C")]
    [InlineData("temperature_f", "117.1", "temperature_f", 117.1, "°F")]
    [InlineData("ext_humidity/0", "51", "ext_humidity 0", 51, "%")]
    [InlineData("input/0", "1", "input 0", 1, null)]
    public void Gen1_values_are_named_by_their_levels_with_their_documented_units(string path, string payload, string metric, double value, string? unit)
    {
        var reading = Read($"shellies/shelly1pm-84CCA8/{path}", payload);

        Assert.Equal("shellies/shelly1pm-84CCA8", reading!.DeviceId);
        Assert.Equal([(metric, value, unit)], Values(reading));
    }

    [Fact]
    public void Gen1_commands_announcements_and_json_reports_are_not_telemetry()
    {
        foreach (var (topic, payload) in new[]
        {
            ("shellies/shelly1pm-84CCA8/relay/0/command", "on"), ("shellies/shellybulb-AB12/color/0/command", "{\"turn\":\"on\"}"),
            ("shellies/command", "announce"), ("shellies/announce", """{"id":"shelly1pm-84CCA8","mac":"84CCA884CCA8","ip":"192.168.1.20","new_fw":false}"""),
            ("shellies/shelly1pm-84CCA8/announce", """{"id":"shelly1pm-84CCA8","ip":"192.168.1.20"}"""),
            ("shellies/shelly1pm-84CCA8/info", """{"wifi_sta":{"rssi":-60},"relays":[{"ison":true}],"meters":[{"power":12}]}"""),
            ("shellies/shelly1-84CCA8/input_event/0", """{"event":"S","event_cnt":2}"""), ("shellies/shelly1-84CCA8/roller/0", "stop"),
            ("shellies/shelly1pm-84CCA8/online", "maybe"),
        })
        {
            var reading = Read(topic, payload);
            Assert.NotNull(reading);
            Assert.Empty(reading.Payload!.Values);
            Assert.Null(reading.Presence);
        }
    }

    [Fact]
    public void Gen2_online_is_presence_of_the_topic_prefix()
    {
        Assert.Equal(new PresenceReport(Plus, true), Read($"{Plus}/online", "true")!.Presence);
        Assert.Equal(new PresenceReport("home/garage/plug", false), Read("home/garage/plug/online", "false")!.Presence);
        Assert.Null(Read("home/router/online", "yes")); // not Shelly's words: left to the generic rules
    }

    [Fact]
    public void A_gen2_switch_status_gives_the_output_power_voltage_current_energy_and_temperature()
    {
        var reading = Read($"{Plus}/status/switch:0",
            """{"id":0,"source":"init","output":true,"apower":54.2,"voltage":233.4,"freq":50,"current":0.25,"pf":0.92,"aenergy":{"total":1234.5,"by_minute":[0,0,0],"minute_ts":1654511972},"temperature":{"tC":48.2,"tF":118.8}}""");

        Assert.Equal(Plus, reading!.DeviceId);
        Assert.Equal(
            [("switch 0", 1, null), ("switch 0 power", 54.2, "W"), ("switch 0 voltage", 233.4, "V"), ("switch 0 frequency", 50, "Hz"), ("switch 0 current", 0.25, "A"),
             ("switch 0 power factor", 0.92, null), ("switch 0 energy", 1234.5, "Wh"), ("switch 0 temperature", 48.2, "°C")],
            Values(reading));
    }

    [Fact]
    public void Gen2_sensors_are_named_for_what_they_measure()
    {
        Assert.Equal([("temperature", 21.3, "°C"), ("temperature_f", 70.3, "°F")], Values(Read("shellyhtg3-84fce63bb6a4/status/temperature:0", """{"id":0,"tC":21.3,"tF":70.3}""")));
        Assert.Equal([("humidity", 45.2, "%")], Values(Read("shellyhtg3-84fce63bb6a4/status/humidity:0", """{"id":0,"rh":45.2}""")));
        Assert.Equal([("battery voltage", 5.48, "V"), ("battery", 100, "%"), ("external power", 0, null)],
            Values(Read("shellyhtg3-84fce63bb6a4/status/devicepower:0", """{"id":0,"battery":{"V":5.48,"percent":100},"external":{"present":false}}""")));
        Assert.Equal([("temperature 100", 19.5, "°C"), ("temperature_f 100", 67.1, "°F")], Values(Read($"{Plus}/status/temperature:100", """{"id":100,"tC":19.5,"tF":67.1}""")));
        Assert.Equal([("wifi rssi", -58, "dBm")], Values(Read($"{Plus}/status/wifi", """{"sta_ip":"192.168.1.20","status":"got ip","ssid":"home","rssi":-58}""")));
        Assert.Equal([("cover 0 position", 40, "%")], Values(Read($"{Plus}/status/cover:0", """{"id":0,"state":"stopped","current_pos":40}""")));
    }

    [Fact]
    public void Gen2_rpc_notifications_requests_and_commands_are_not_telemetry()
    {
        foreach (var (topic, payload) in new[]
        {
            ($"{Plus}/events/rpc", """{"src":"shellyplus1pm-a8032ab12345","dst":"user_1","method":"NotifyStatus","params":{"ts":1631266595.44,"switch:0":{"id":0,"output":true}}}"""),
            ($"{Plus}/rpc", """{"id":1,"src":"user_1","method":"Switch.Set","params":{"id":0,"on":true}}"""),
            ($"{Plus}/command/switch:0", "on"), ($"{Plus}/status/sys", "not json"),
        })
        {
            var reading = Read(topic, payload);
            Assert.Equal(Plus, reading!.DeviceId);
            Assert.Empty(reading.Payload!.Values);
        }
    }

    [Theory]
    [InlineData("home/livingroom/temperature")]
    [InlineData("home/status/temperature")]
    [InlineData("home/status/Temperature:0")]
    [InlineData("home/status/gadget")]
    [InlineData("status/switch:0")]
    public void Topics_that_are_not_shellys_are_left_to_the_generic_rules(string topic) =>
        Assert.Null(Read(topic, """{"id":0,"tC":21.3}"""));

    [Fact]
    public void Malformed_and_binary_payloads_never_throw()
    {
        var random = new byte[2048];
        new Random(5).NextBytes(random);

        Assert.Empty(_convention.Read($"{Plus}/status/switch:0", random, Arrived)!.Payload!.Values);
        Assert.Empty(_convention.Read("shellies/shelly1-1/relay/0", random, Arrived)!.Payload!.Values);
        Assert.Empty(Read($"{Plus}/status/switch:0", "{\"output\":")!.Payload!.Values);
        Assert.NotNull(_convention.Read("shellies/shelly1-1/online", random, Arrived));
        Assert.Empty(Read("shellies//relay/0", "on")!.Payload!.Values);
    }
}
