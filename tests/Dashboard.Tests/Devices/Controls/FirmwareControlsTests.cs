using Dashboard.Devices.Controls;

namespace Dashboard.Tests.Devices.Controls;

/// <summary>
/// Controls from the topics each firmware reports its state on, as their MQTT pages document them (Tasmota's "MQTT" page,
/// ESPHome's MQTT client component, Zigbee2MQTT's "MQTT topics and messages", Shelly Gen1's MQTT API).
/// </summary>
public sealed class FirmwareControlsTests
{
    private static readonly string[] Zigbee = ["zigbee2mqtt"];

    private static ControlDefinition Single(string device, params (string Topic, string Metric)[] series) =>
        Assert.Single(FirmwareControls.From(device, series, Zigbee));

    [Theory]
    [InlineData("stat/kitchen/POWER", "POWER", "cmnd/kitchen/POWER", "stat/kitchen/POWER")]
    [InlineData("tele/kitchen/STATE", "POWER2", "cmnd/kitchen/POWER2", "stat/kitchen/POWER2")]
    [InlineData("home/cellar/kitchen/stat/POWER1", "POWER1", "home/cellar/kitchen/cmnd/POWER1", "home/cellar/kitchen/stat/POWER1")]
    public void A_tasmota_relay_is_switched_with_power_on_its_cmnd_topic_and_confirmed_on_stat(string topic, string metric, string command, string state)
    {
        var control = Single("kitchen", (topic, metric));
        Assert.Equal((ControlKind.Switch, command, state, "Tasmota"), (control.Kind, control.CommandTopic, control.StateTopic, control.Source));
        Assert.Equal(new ControlCommand("ON", "ON"), ControlCommand.For(control, "on").Command);
    }

    [Fact]
    public void A_tasmota_dimmer_is_a_slider_from_0_to_100_confirmed_by_its_result()
    {
        var control = Single("bulb", ("tele/bulb/STATE", "Dimmer"));
        Assert.Equal((ControlKind.Number, "cmnd/bulb/Dimmer", 0d, 100d, true), (control.Kind, control.CommandTopic, control.Min, control.Max, control.Slider));
        Assert.Equal("stat/bulb/RESULT", control.StateTopic);
        Assert.Equal("40", ControlState.Read(control, """{"POWER":"ON","Dimmer":40}"""u8));
    }

    [Fact]
    public void Tasmota_readings_that_are_not_relays_make_no_control()
    {
        Assert.Empty(FirmwareControls.From("kitchen", [("tele/kitchen/SENSOR", "AM2301 Temperature"), ("tele/kitchen/STATE", "Wifi RSSI")], Zigbee));
    }

    [Theory]
    [InlineData("living/switch/relay/state", "relay", "living/switch/relay/command", null)]
    [InlineData("living/fan/ceiling_fan/state", "ceiling_fan", "living/fan/ceiling_fan/command", null)]
    [InlineData("living/light/ceiling/state", "ceiling", "living/light/ceiling/command", "state")]
    public void An_esphome_switch_fan_or_light_is_commanded_on_its_command_topic(string topic, string metric, string command, string? field)
    {
        var control = Single("living", (topic, metric));
        Assert.Equal((ControlKind.Switch, command, topic, field), (control.Kind, control.CommandTopic, control.StateTopic, control.CommandField));
        Assert.Equal(field is null ? "ON" : """{"state":"ON"}""", ControlCommand.For(control, "on").Command!.Payload);
    }

    [Fact]
    public void An_esphome_number_takes_any_number_and_its_brightness_and_sensors_make_no_control()
    {
        var control = Single("living", ("living/number/target/state", "target"), ("living/light/ceiling/state", "ceiling brightness"),
            ("living/sensor/temperature/state", "temperature"));
        Assert.Equal((ControlKind.Number, "living/number/target/command", (double?)null), (control.Kind, control.CommandTopic, control.Max));
    }

    [Fact]
    public void A_zigbee2mqtt_light_has_a_state_switch_and_a_brightness_slider_sent_as_json_to_set()
    {
        var controls = FirmwareControls.From("zigbee2mqtt/living/lamp",
            [("zigbee2mqtt/living/lamp", "state"), ("zigbee2mqtt/living/lamp", "brightness"), ("zigbee2mqtt/living/lamp", "linkquality")], Zigbee).ToList();
        Assert.Equal(2, controls.Count);
        var state = controls[0];
        Assert.Equal(("zigbee2mqtt/living/lamp/set", "zigbee2mqtt/living/lamp"), (state.CommandTopic, state.StateTopic));
        Assert.Equal("""{"state":"OFF"}""", ControlCommand.For(state, "off").Command!.Payload);
        Assert.Equal("OFF", ControlState.Read(state, """{"state":"OFF","brightness":12,"linkquality":99}"""u8));
        var brightness = controls[1];
        Assert.Equal((ControlKind.Number, 0d, 254d), (brightness.Kind, brightness.Min, brightness.Max));
        Assert.Equal("""{"brightness":128}""", ControlCommand.For(brightness, "128").Command!.Payload);
        Assert.Equal("12", ControlState.Read(brightness, """{"state":"OFF","brightness":12}"""u8));
    }

    [Fact]
    public void A_zigbee2mqtt_sensor_and_the_bridge_make_no_control()
    {
        Assert.Empty(FirmwareControls.From("zigbee2mqtt/door", [("zigbee2mqtt/door", "contact"), ("zigbee2mqtt/door", "battery")], Zigbee));
        Assert.Empty(FirmwareControls.From("zigbee2mqtt/bridge", [("zigbee2mqtt/bridge/state", "state")], Zigbee));
    }

    [Fact]
    public void A_shelly_gen1_relay_is_switched_with_lower_case_on_and_off()
    {
        var control = Single("shellies/shelly1-ab12", ("shellies/shelly1-ab12/relay/0", "relay 0"), ("shellies/shelly1-ab12/relay/0/power", "relay 0 power"));
        Assert.Equal(("shellies/shelly1-ab12/relay/0/command", "shellies/shelly1-ab12/relay/0"), (control.CommandTopic, control.StateTopic));
        Assert.Equal(new ControlCommand("on", "on"), ControlCommand.For(control, "on").Command);
        Assert.True(ControlState.Shows(control, "on", "on"));
    }
}
