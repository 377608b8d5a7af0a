using System.Text;
using Dashboard.Devices;
using Dashboard.Devices.Controls;
using Dashboard.Devices.Conventions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dashboard.Tests.Devices.Controls;

/// <summary>
/// The controls Home Assistant discovery configs declare, with the configs of Home Assistant's MQTT switch, light, button,
/// number and select pages (https://www.home-assistant.io/integrations/switch.mqtt/ and the others).
/// </summary>
public sealed class HomeAssistantControlsTests
{
    private readonly HomeAssistantDiscovery _discovery =
        new(Options.Create(new DevicesOptions()), NullLogger<HomeAssistantDiscovery>.Instance);

    private DeclaredControls Declare(string topic, string config) =>
        _discovery.Read(topic, Encoding.UTF8.GetBytes(config), DateTimeOffset.UtcNow)!.Controls!;

    private ControlDefinition Single(string topic, string config)
    {
        var declared = Declare(topic, config);
        Assert.Equal(topic, declared.Source);
        return Assert.Single(declared.Controls).Control;
    }

    [Fact]
    public void The_docs_irrigation_switch_is_an_on_off_switch_of_its_device_confirmed_by_its_state_topic()
    {
        var declared = Declare("homeassistant/switch/irrigation/config", """
            {"name": "Irrigation", "command_topic": "homeassistant/switch/irrigation/set", "state_topic": "homeassistant/switch/irrigation/state",
             "unique_id": "irr01ad", "device": {"identifiers": ["garden01ad"], "name": "Garden"}}
            """);
        var (device, control) = Assert.Single(declared.Controls);
        Assert.Equal("Garden", device);
        Assert.Equal(ControlKind.Switch, control.Kind);
        Assert.Equal("Irrigation", control.Name);
        Assert.Equal("homeassistant/switch/irrigation/set", control.CommandTopic);
        Assert.Equal("homeassistant/switch/irrigation/state", control.StateTopic);
        Assert.Equal(new ControlCommand("ON", "ON"), ControlCommand.For(control, "on").Command);
        Assert.Equal(new ControlCommand("OFF", "OFF"), ControlCommand.For(control, "off").Command);
    }

    [Fact]
    public void A_switch_with_its_own_payloads_and_state_words_sends_one_and_expects_the_other()
    {
        var control = Single("homeassistant/switch/heater/config", """
            {"name": "Heater", "cmd_t": "~/set", "stat_t": "~/state", "~": "home/heater", "pl_on": "1", "pl_off": "0", "stat_on": "on", "stat_off": "off"}
            """);
        Assert.Equal("home/heater/set", control.CommandTopic);
        Assert.Equal(new ControlCommand("1", "on"), ControlCommand.For(control, "on").Command);
        Assert.True(ControlState.Shows(control, "on", "on"));
        Assert.Equal(true, ControlState.IsOn(control, "on"));
        Assert.Equal(false, ControlState.IsOn(control, "off"));
    }

    [Fact]
    public void A_json_schema_light_is_switched_with_a_state_field_and_reads_its_state_from_one()
    {
        var control = Single("homeassistant/light/kitchen/config", """
            {"name": "Kitchen", "schema": "json", "command_topic": "home/kitchen/set", "state_topic": "home/kitchen/state", "brightness": true}
            """);
        Assert.Equal(ControlKind.Switch, control.Kind);
        Assert.Equal("home/kitchen/set#state", control.Id);
        Assert.Equal(new ControlCommand("""{"state":"ON"}""", "ON"), ControlCommand.For(control, "on").Command);
        Assert.Equal("ON", ControlState.Read(control, """{"state": "ON", "brightness": 255}"""u8));
    }

    [Fact]
    public void A_default_schema_light_reads_its_state_through_a_simple_template()
    {
        var control = Single("homeassistant/light/desk/config", """
            {"name": "Desk", "command_topic": "home/desk/switch", "state_topic": "home/desk/status", "state_value_template": "{{ value_json.state }}"}
            """);
        Assert.Equal(ControlKind.Switch, control.Kind);
        Assert.Equal(["state"], control.StatePath);
        Assert.Equal("OFF", ControlState.Read(control, """{"state":"OFF"}"""u8));
    }

    [Fact]
    public void A_button_sends_its_press_payload_and_has_no_state()
    {
        var control = Single("homeassistant/button/restart/config", """
            {"name": "Restart", "command_topic": "home/esp/restart", "payload_press": "restart", "state_topic": "ignored/for/buttons"}
            """);
        Assert.Equal(ControlKind.Button, control.Kind);
        Assert.Null(control.StateTopic);
        Assert.Equal(new ControlCommand("restart", null), ControlCommand.For(control, null).Command);
    }

    [Fact]
    public void A_number_keeps_its_range_step_and_mode_and_refuses_values_outside_the_range()
    {
        var control = Single("homeassistant/number/thermostat/config", """
            {"name": "Target", "cmd_t": "home/thermostat/target/set", "stat_t": "home/thermostat/target", "min": 10, "max": 30, "step": 0.5, "mode": "box"}
            """);
        Assert.Equal((ControlKind.Number, 10d, 30d, 0.5d, false), (control.Kind, control.Min, control.Max, control.Step, control.Slider));
        Assert.Equal(new ControlCommand("21.5", "21.5"), ControlCommand.For(control, "21.5").Command);
        Assert.Equal("The value must be between 10 and 30.", ControlCommand.For(control, "35").Error);
        Assert.Equal("A number is needed.", ControlCommand.For(control, "warm").Error);
        Assert.True(ControlState.Shows(control, "21.50", "21.5"));
    }

    [Fact]
    public void A_number_without_a_range_takes_home_assistants_defaults_and_is_a_slider()
    {
        var control = Single("homeassistant/number/volume/config", """{"command_topic": "home/volume/set"}""");
        Assert.Equal((1d, 100d, 1d, true), (control.Min, control.Max, control.Step, control.Slider));
        Assert.Null(control.StateTopic);
    }

    [Fact]
    public void A_select_takes_one_of_its_options()
    {
        var control = Single("homeassistant/select/mode/config", """
            {"name": "Mode", "command_topic": "home/hvac/mode/set", "state_topic": "home/hvac/mode", "ops": ["eco", "comfort"]}
            """);
        Assert.Equal(ControlKind.Select, control.Kind);
        Assert.Equal(["eco", "comfort"], control.Options);
        Assert.Equal(new ControlCommand("comfort", "comfort"), ControlCommand.For(control, "comfort").Command);
        Assert.Equal("The value must be one of: eco, comfort.", ControlCommand.For(control, "boost").Error);
    }

    [Fact]
    public void A_command_template_that_is_not_plain_value_offers_no_control_and_a_complex_state_template_none_to_confirm()
    {
        Assert.Empty(Declare("homeassistant/number/fan/config",
            """{"command_topic": "home/fan/set", "command_template": "{\"speed\": {{ value }}}"}""").Controls);

        var control = Single("homeassistant/switch/pump/config",
            """{"command_topic": "home/pump/set", "state_topic": "home/pump", "value_template": "{{ 'ON' if value_json.on else 'OFF' }}"}""");
        Assert.Null(control.StateTopic);
    }

    [Fact]
    public void Sensors_declare_no_controls_and_an_empty_config_removes_what_its_topic_declared()
    {
        Assert.Empty(Declare("homeassistant/sensor/t/config", """{"state_topic": "home/t", "unit_of_measurement": "°C"}""").Controls);
        Single("homeassistant/switch/lamp/config", """{"command_topic": "home/lamp/set"}""");

        var removed = _discovery.Read("homeassistant/switch/lamp/config", [], DateTimeOffset.UtcNow)!.Controls!;
        Assert.Equal("homeassistant/switch/lamp/config", removed.Source);
        Assert.Empty(removed.Controls);
    }
}
