using System.Text;
using Dashboard.Devices;
using Dashboard.Devices.Conventions;
using Dashboard.Readings;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dashboard.Tests.Devices.Conventions;

/// <summary>
/// Home Assistant MQTT discovery, fed the configs and states of Home Assistant's own documentation
/// (https://www.home-assistant.io/integrations/mqtt/, "MQTT Discovery", and the sensor, binary_sensor, switch and light pages).
/// </summary>
public sealed class HomeAssistantDiscoveryConventionTests
{
    private HomeAssistantDiscovery _discovery = New();

    private static HomeAssistantDiscovery New(int maxEntities = 10_000, string prefix = "homeassistant") =>
        new(Options.Create(new DevicesOptions { MaxDiscoveryEntities = maxEntities, DiscoveryPrefix = prefix }), NullLogger<HomeAssistantDiscovery>.Instance);

    private ConventionReading? Read(string topic, string payload) => Read(topic, Encoding.UTF8.GetBytes(payload));

    private ConventionReading? Read(string topic, byte[] payload) => _discovery.Read(topic, payload, DateTimeOffset.UtcNow);

    private static void AssertNotTelemetry(ConventionReading? reading)
    {
        Assert.NotNull(reading);
        Assert.Null(reading.Presence);
        Assert.Empty(reading.Payload!.Values);
    }

    private static void AssertReadings(ConventionReading? reading, string device, ParsedValue[] expected)
    {
        var (actualDevice, values) = Readings(reading);
        Assert.Equal(device, actualDevice);
        Assert.Equal(expected, values);
    }

    private static (string Device, ParsedValue[] Values) Readings(ConventionReading? reading)
    {
        Assert.NotNull(reading);
        Assert.Null(reading.Presence);
        return (reading.DeviceId, [.. reading.Payload!.Values]);
    }

    [Fact]
    public void Two_sensors_sharing_a_json_state_topic_each_take_their_field_with_their_unit()
    {
        // The docs' "Sensors" example: one device, two configs, one state payload.
        AssertNotTelemetry(Read("homeassistant/sensor/sensorBedroomT/config",
            """{"device_class":"temperature","state_topic":"homeassistant/sensor/sensorBedroom/state","unit_of_measurement":"°C","value_template":"{{ value_json.temperature}}","unique_id":"temp01ae","device":{"identifiers":["bedroom01ae"],"name":"Bedroom"}}"""));
        AssertNotTelemetry(Read("homeassistant/sensor/sensorBedroomH/config",
            """{"device_class":"humidity","name":"Humidity","state_topic":"homeassistant/sensor/sensorBedroom/state","unit_of_measurement":"%","value_template":"{{ value_json.humidity}}","unique_id":"hum01ae","device":{"identifiers":["bedroom01ae"],"name":"Bedroom"}}"""));

        var (device, values) = Readings(Read("homeassistant/sensor/sensorBedroom/state", """{ "temperature": 23.20, "humidity": 43.70 }"""));

        Assert.Equal("Bedroom", device);
        Assert.Equal([new("temperature", 23.2, "°C"), new("Humidity", 43.7, "%")], values); // no name: the device class names it
        Assert.Equal(2, _discovery.Entities);
    }

    [Fact]
    public void A_binary_sensor_is_one_or_zero_of_its_device()
    {
        // The docs' "Motion detection (binary sensor)" example.
        AssertNotTelemetry(Read("homeassistant/binary_sensor/garden/config",
            """{"name": null, "device_class": "motion", "state_topic": "homeassistant/binary_sensor/garden/state", "unique_id": "motion01ad", "device": {"identifiers": ["01ad"], "name": "Garden"}}"""));

        AssertReadings(Read("homeassistant/binary_sensor/garden/state", "ON"), "Garden", [new("motion", 1, null)]);
        Assert.Equal("ON", Read("homeassistant/binary_sensor/garden/state", "ON")!.Payload!.State);
        Assert.Equal([new("motion", 0, null)], Readings(Read("homeassistant/binary_sensor/garden/state", "OFF")).Values);
        Assert.Empty(Readings(Read("homeassistant/binary_sensor/garden/state", "maybe")).Values);
    }

    [Fact]
    public void A_switch_with_a_base_topic_and_abbreviations_reads_its_state_and_its_command_is_no_reading()
    {
        // The docs' "Using abbreviations and base topic" example; no device block, so the object_id is the device.
        AssertNotTelemetry(Read("homeassistant/switch/irrigation/config",
            """{"~": "homeassistant/switch/irrigation", "name": "garden", "cmd_t": "~/set", "stat_t": "~/state"}"""));

        AssertReadings(Read("homeassistant/switch/irrigation/state", "ON"), "irrigation", [new("garden", 1, null)]);
        var command = Read("homeassistant/switch/irrigation/set", "OFF");
        AssertNotTelemetry(command);
        Assert.Equal("irrigation", command!.DeviceId);
    }

    [Fact]
    public void Configured_on_and_off_payloads_and_a_json_field_decide_a_binary_state()
    {
        // A Zigbee2MQTT-style occupancy sensor: payload_on is the JSON true its template yields.
        Read("homeassistant/binary_sensor/0x00158d0001a2b3c4/occupancy/config",
            """{"name":"Occupancy","device_class":"occupancy","pl_on":true,"pl_off":false,"stat_t":"zigbee2mqtt/hallway_motion","val_tpl":"{{ value_json.occupancy }}","dev":{"ids":["zigbee2mqtt_0x00158d0001a2b3c4"],"name":"hallway_motion","mf":"Aqara","mdl":"RTCGQ11LM"}}""");
        Read("homeassistant/sensor/0x00158d0001a2b3c4/illuminance/config",
            """{"name":"Illuminance","device_class":"illuminance","unit_of_meas":"lx","stat_t":"zigbee2mqtt/hallway_motion","val_tpl":"{{ value_json.illuminance }}","dev":{"ids":["zigbee2mqtt_0x00158d0001a2b3c4"],"name":"hallway_motion"}}""");

        var (device, values) = Readings(Read("zigbee2mqtt/hallway_motion", """{"occupancy":true,"illuminance":17,"battery":100,"linkquality":87}"""));

        Assert.Equal("hallway_motion", device);
        Assert.Equal([new("Occupancy", 1, null), new("Illuminance", 17, "lx")], values); // only what the configs declare
    }

    [Fact]
    public void A_json_light_reads_its_state_field()
    {
        // The docs' "Another example using abbreviations topic name and base topic": a JSON-schema light.
        Read("homeassistant/light/kitchen/config",
            """{"~": "homeassistant/light/kitchen", "name": "Kitchen", "unique_id": "kitchen_light", "cmd_t": "~/set", "stat_t": "~/state", "schema": "json", "brightness": true}""");

        AssertReadings(Read("homeassistant/light/kitchen/state", """{"state": "ON", "brightness": 255}"""), "kitchen", [new("Kitchen", 1, null)]);
        AssertNotTelemetry(Read("homeassistant/light/kitchen/set", """{"state": "OFF"}"""));
    }

    [Fact]
    public void An_availability_topic_is_the_presence_of_its_device_with_its_own_payloads()
    {
        Read("homeassistant/sensor/livingroom-temp/config",
            """{"name": "Living Room Temperature", "state_topic": "advaslearning/livingroom/temp", "unique_id": "livingroom-temp", "unit_of_measurement": "°C", "device_class": "temperature", "availability_topic": "advaslearning/livingroom/status", "payload_available": "alive", "payload_not_available": "dead"}""");

        Assert.Equal(new PresenceReport("livingroom-temp", true), Read("advaslearning/livingroom/status", "alive")!.Presence);
        Assert.Equal(new PresenceReport("livingroom-temp", false), Read("advaslearning/livingroom/status", "dead")!.Presence);
        AssertNotTelemetry(Read("advaslearning/livingroom/status", "online")); // not its word for it
        AssertReadings(Read("advaslearning/livingroom/temp", "21.5"), "livingroom-temp", [new("Living Room Temperature", 21.5, "°C")]);
    }

    [Fact]
    public void The_availability_list_form_with_abbreviations_and_a_template_gives_presence()
    {
        Read("homeassistant/sensor/esp-attic/temperature/config",
            """{"~":"esp-attic","name":"Temperature","stat_t":"~/sensor/temperature/state","unit_of_meas":"°C","avty":[{"t":"~/status"},{"topic":"esp-attic/health","val_tpl":"{{ value_json.state }}","pl_avail":"up","pl_not_avail":"down"}],"dev":{"ids":"a4cf12345678","name":"attic"}}""");

        Assert.Equal(new PresenceReport("attic", false), Read("esp-attic/status", "offline")!.Presence);
        Assert.Equal(new PresenceReport("attic", true), Read("esp-attic/health", """{"state":"up"}""")!.Presence);
        AssertReadings(Read("esp-attic/sensor/temperature/state", "18.25"), "attic", [new("Temperature", 18.25, "°C")]);
    }

    [Fact]
    public void An_availability_topic_shared_by_several_devices_is_left_to_the_other_rules()
    {
        // Zigbee2MQTT declares its bridge's state as every device's availability: one publish cannot speak for all of them.
        Read("homeassistant/sensor/a/config", """{"name":"T","stat_t":"z/a","avty":[{"t":"z/bridge/state"}],"dev":{"ids":["a"],"name":"a"}}""");
        Read("homeassistant/sensor/b/config", """{"name":"T","stat_t":"z/b","avty":[{"t":"z/bridge/state"}],"dev":{"ids":["b"],"name":"b"}}""");

        Assert.Null(Read("z/bridge/state", "offline"));
    }

    [Fact]
    public void A_device_config_declares_several_components_sharing_its_state_topic()
    {
        // The docs' device-based discovery example.
        AssertNotTelemetry(Read("homeassistant/device/0AFFD2/config",
            """{"dev":{"ids":"ea334450945afc","name":"Kitchen","mf":"Bla electronics","mdl":"xya","sw":"1.0","sn":"ea334450945afc","hw":"1.0rev2"},"o":{"name":"bla2mqtt","sw":"2.1","url":"https://bla2mqtt.example.com/support"},"cmps":{"some_unique_component_id1":{"p":"sensor","device_class":"temperature","unit_of_measurement":"°C","value_template":"{{ value_json.temperature}}","unique_id":"temp01ae_t"},"some_unique_id2":{"p":"sensor","device_class":"humidity","unit_of_measurement":"%","value_template":"{{ value_json.humidity}}","unique_id":"temp01ae_h"}},"state_topic":"sensorBedroom/state","qos":2}"""));

        AssertReadings(Read("sensorBedroom/state", """{"temperature": 21.5, "humidity": 52}"""), "Kitchen", [new("temperature", 21.5, "°C"), new("humidity", 52, "%")]);
    }

    [Fact]
    public void An_empty_config_removes_the_entity_and_its_topics()
    {
        Read("homeassistant/switch/irrigation/config", """{"~": "homeassistant/switch/irrigation", "name": "garden", "cmd_t": "~/set", "stat_t": "~/state"}""");

        AssertNotTelemetry(Read("homeassistant/switch/irrigation/config", ""));

        Assert.Equal(0, _discovery.Entities);
        Assert.Null(Read("homeassistant/switch/irrigation/state", "ON"));
        Assert.Null(Read("homeassistant/switch/irrigation/set", "ON"));
    }

    [Fact]
    public void Removing_a_config_releases_the_topics_no_other_config_declares()
    {
        Read("homeassistant/sensor/B1C2D3_Temperature/config", """{"name":"Temperature","stat_t":"tele/cellarplug/SENSOR","val_tpl":"{{value_json['AM2301']['Temperature']}}","avty_t":"tele/cellarplug/LWT","dev":{"ids":["B1C2D3"],"name":"Cellar Plug"}}""");
        Read("homeassistant/sensor/B1C2D3_Humidity/config", """{"name":"Humidity","stat_t":"tele/cellarplug/SENSOR","val_tpl":"{{value_json['AM2301']['Humidity']}}","avty_t":"tele/cellarplug/LWT","dev":{"ids":["B1C2D3"]}}""");

        Assert.Null(Read("homeassistant/sensor/B1C2D3_Temperature/config", "")!.ReleasedTopics); // Humidity still declares both
        Assert.Equal(["tele/cellarplug/LWT", "tele/cellarplug/SENSOR"], Read("homeassistant/sensor/B1C2D3_Humidity/config", "")!.ReleasedTopics!.Order());
        Assert.Null(Read("tele/cellarplug/SENSOR", """{"AM2301":{"Temperature":18.5}}"""));
    }

    [Fact]
    public void A_new_config_on_the_same_topic_replaces_the_old_one()
    {
        Read("homeassistant/sensor/garden/config", """{"name":"Temperature","stat_t":"garden/old","unit_of_meas":"°C"}""");
        Read("homeassistant/sensor/garden/config", """{"name":"Temperature","stat_t":"garden/new","unit_of_meas":"°F"}""");

        Assert.Null(Read("garden/old", "20"));
        AssertReadings(Read("garden/new", "68"), "garden", [new("Temperature", 68, "°F")]);
        Assert.Equal(["garden/new"], Read("homeassistant/sensor/garden/config", """{"name":"Temperature","stat_t":"garden/newer"}""")!.ReleasedTopics);
        Assert.Equal(1, _discovery.Entities);
    }

    [Fact]
    public void A_device_named_in_one_config_keeps_that_name_in_configs_that_give_only_its_identifier()
    {
        Read("homeassistant/sensor/plug/power/config", """{"name":"Power","stat_t":"plug/power","unit_of_meas":"W","dev":{"ids":["A4CF12345678"],"name":"Washing machine"}}""");
        Read("homeassistant/sensor/plug/energy/config", """{"name":"Energy","stat_t":"plug/energy","unit_of_meas":"kWh","dev":{"ids":["A4CF12345678"]}}""");
        Read("homeassistant/sensor/other/config", """{"name":"Energy","stat_t":"other/energy","dev":{"ids":["0011"]}}""");

        Assert.Equal("Washing machine", Read("plug/energy", "1.5")!.DeviceId);
        Assert.Equal("0011", Read("other/energy", "1.5")!.DeviceId); // no name anywhere: its first identifier
    }

    [Fact]
    public void Config_topics_are_never_readings_even_full_of_numbers_or_malformed()
    {
        AssertNotTelemetry(Read("homeassistant/sensor/x/config", """{"name":"X","stat_t":"x/state","expire_after":300,"qos":1,"suggested_display_precision":2}"""));
        AssertNotTelemetry(Read("homeassistant/sensor/y/config", "{not json 42"));
        AssertNotTelemetry(Read("homeassistant/sensor/y/config", "42"));
        AssertNotTelemetry(Read("homeassistant/sensor/y/config", [0xFF, 0x00, 0x17, 0x80]));
        AssertNotTelemetry(Read("homeassistant/not/a/valid/shape/config", """{"stat_t":"q"}"""));
        AssertNotTelemetry(Read("homeassistant/sensor/big/config", new byte[1024 * 1024]));
        Assert.Equal(1, _discovery.Entities);
    }

    [Fact]
    public void Malformed_state_payloads_give_no_readings_and_never_throw()
    {
        Read("homeassistant/sensor/sensorBedroomT/config", """{"name":"Temperature","stat_t":"bedroom/state","val_tpl":"{{ value_json.temperature }}","unit_of_meas":"°C"}""");
        Read("homeassistant/binary_sensor/door/config", """{"name":"Door","stat_t":"bedroom/door","val_tpl":"{{ value_json.contact.state }}"}""");

        foreach (var payload in new[] { "{\"temperature\": ", "[1,2", "\"x\"", "{\"temperature\": \"warm\"}", "{\"temperature\": 1e999}", "" })
        {
            Assert.Empty(Readings(Read("bedroom/state", payload)).Values);
            Assert.Empty(Readings(Read("bedroom/door", payload)).Values);
        }

        Assert.Empty(Readings(Read("bedroom/state", [0xFF, 0xFE, 0x00, 0x7B])).Values);
        Assert.Empty(Readings(Read("bedroom/state", Encoding.UTF8.GetBytes("{\"temperature\": " + new string('[', 10_000)))).Values);
        Assert.Empty(Readings(Read("bedroom/state", new byte[1024 * 1024])).Values);
    }

    [Theory]
    [InlineData("{{ value_json.temperature }}", """{"temperature": 21.5}""", 21.5)]
    [InlineData("{{value_json.env.temp}}", """{"env": {"temp": 19}}""", 19)]
    [InlineData("{{ value_json['ENERGY'].Power }}", """{"ENERGY": {"Power": 1200}}""", 1200)]
    [InlineData("{{ value_json[\"t\"][1] }}", """{"t": [1, 2.5]}""", 2.5)]
    [InlineData("{{ value_json.temperature | float | round(1) }}", """{"temperature": "21.46"}""", 21.5)]
    [InlineData("{{ value_json.count | int }}", """{"count": 7.9}""", 7)]
    [InlineData("{{ value | float(0) }}", "3.25", 3.25)]
    [InlineData("{{ value }}", "-4", -4)]
    [InlineData(null, "23.5", 23.5)]
    [InlineData(null, "23.5 °C", 23.5)] // not a plain number: read as the generic rules read it
    [InlineData("{{ value_json['press'] | round(1) }}", """{"temp": 18.4, "press": 1013.27}""", 1013.3)]
    [InlineData("{{ value_json['press'] | float }}", """{"press": "1013.27"}""", 1013.27)]
    [InlineData("{{ (value_json.power / 1000) | round(2) }}", """{"power": 1512}""", 1.51)]
    [InlineData("{{ value_json.wind_ms | float * 3.6 }}", """{"wind_ms": 5.0}""", 18)] // the filter binds first, as in Jinja
    [InlineData("{{ (value_json.t * 1.8 + 32) | round(1) }}", """{"t": 20.25}""", 68.5)]
    [InlineData("{{ value | float / 1000 }}", "1500", 1.5)]
    [InlineData("{{ -value_json.x | float(0) }}", """{"y": 1}""", 0)]
    [InlineData("{{ 100 - value | int }}", "42.9", 58)]
    public void Value_templates_with_filters_and_arithmetic_are_followed(string? template, string payload, double expected)
    {
        var config = template is null ? """{"name":"Value","stat_t":"dev/state"}""" : $$"""{"name":"Value","stat_t":"dev/state","val_tpl":"{{template.Replace("\"", "\\\"")}}"}""";
        Read("homeassistant/sensor/dev/config", config);

        var value = Assert.Single(Readings(Read("dev/state", payload)).Values);
        Assert.Equal(("Value", expected), (value.Metric, Math.Round(value.Value, 9)));
    }

    [Fact]
    public void A_config_whose_template_nests_brackets_beyond_any_real_one_is_not_run_and_nothing_breaks()
    {
        // Anyone who may publish under homeassistant/ could send this: the parser must not recurse to the stack's end.
        foreach (var deep in new[] { new string('(', 100_000) + "value" + new string(')', 100_000), string.Concat(Enumerable.Repeat("-", 200_000)) + "value", "value" + string.Concat(Enumerable.Repeat("+1", 100_000)) })
        {
            Read("homeassistant/sensor/deep/config", """{"name":"Deep","stat_t":"deep/state","val_tpl":"{{ """ + deep + """ }}"}""");

            Assert.Equal(5.0, Assert.Single(Readings(Read("deep/state", "5")).Values).Value); // read as the generic rules read it
        }
    }

    [Theory]
    [InlineData("{{ value_json.x if value_json.x > 0 else 0 }}")]
    [InlineData("{{ value_json.x | float * value }}")] // the payload and its JSON at once
    [InlineData("{{ value_json.x | multiply(3.6) }}")]
    [InlineData("{{ value_json.x // 2 }}")]
    [InlineData("{{ 42 }}")]
    public void Templates_not_run_leave_the_payload_to_the_generic_rules_under_its_own_names(string template)
    {
        Read("homeassistant/sensor/dev/config", $$"""{"name":"Wind","unit_of_meas":"km/h","stat_t":"dev/state","val_tpl":"{{template}}"}""");

        var value = Assert.Single(Readings(Read("dev/state", """{"x": 5}""")).Values);
        Assert.Equal(("x", 5.0, null), (value.Metric, value.Value, value.Unit)); // not "Wind = 5 km/h": the template would have changed it
    }

    [Fact]
    public void Topics_no_config_declares_are_left_to_the_other_rules()
    {
        Assert.Null(Read("homeassistant/sensor/sensorBedroom/state", """{ "temperature": 23.20 }""")); // its config has not come yet
        Read("homeassistant/sensor/sensorBedroomT/config", """{"name":"Temperature","stat_t":"homeassistant/sensor/sensorBedroom/state"}""");

        Assert.Null(Read("home/livingroom/temperature", "21"));
        Assert.Null(Read("homeassistant/status", "online"));
        Assert.Null(Read("other/sensor/x/config", "{}"));
    }

    [Fact]
    public void The_discovery_prefix_is_configurable()
    {
        _discovery = New(prefix: "ha");
        AssertNotTelemetry(Read("ha/sensor/t/config", """{"name":"T","stat_t":"t/state"}"""));

        AssertReadings(Read("t/state", "1"), "t", [new("T", 1, null)]);
        Assert.Null(Read("homeassistant/sensor/u/config", """{"name":"U","stat_t":"u/state"}"""));
    }

    [Fact]
    public void Entities_beyond_the_maximum_are_counted_and_ignored()
    {
        _discovery = New(maxEntities: 2);
        Read("homeassistant/sensor/a/config", """{"name":"A","stat_t":"a"}""");
        Read("homeassistant/sensor/b/config", """{"name":"B","stat_t":"b"}""");

        AssertNotTelemetry(Read("homeassistant/sensor/c/config", """{"name":"C","stat_t":"c"}"""));
        AssertNotTelemetry(Read("homeassistant/sensor/b/config", """{"name":"B2","stat_t":"b"}""")); // a replacement still fits

        Assert.Equal((2, 1L), (_discovery.Entities, _discovery.ConfigsDropped));
        Assert.Null(Read("c", "1"));
        Assert.Equal("B2", Assert.Single(Readings(Read("b", "1")).Values).Metric);
    }
}
