using System.Text;
using Dashboard.Devices;
using Dashboard.Devices.Conventions;
using Dashboard.Readings;
using Microsoft.Extensions.Options;

namespace Dashboard.Tests.Devices.Conventions;

/// <summary>Zigbee2MQTT's topics and payloads as zigbee2mqtt.io documents them ("MQTT Topics and Messages", "Exposes", "Device-Availability").</summary>
public sealed class Zigbee2MqttConventionTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);

    // Exposes from the "Exposes" page: a climate sensor, a light with a composite colour, and a plug whose voltage is in V.
    private const string BridgeDevices = """
        [
          {"ieee_address":"0x00158d00018255df","type":"EndDevice","supported":true,"friendly_name":"climate",
           "definition":{"model":"WSDCGQ01LM","vendor":"Xiaomi","description":"MiJia temperature & humidity sensor","options":[],
             "exposes":[
               {"type":"numeric","name":"temperature","property":"temperature","unit":"°C","access":1},
               {"type":"numeric","name":"humidity","property":"humidity","unit":"%","access":1},
               {"type":"numeric","name":"linkquality","property":"linkquality","unit":"lqi","value_min":0,"value_max":255,"access":1}]}},
          {"ieee_address":"0x90fd9ffffe6494fc","type":"Router","supported":true,"friendly_name":"living/lamp",
           "definition":{"model":"LED1624G9","vendor":"IKEA","description":"TRADFRI LED bulb","options":[],
             "exposes":[{"type":"light","features":[
               {"type":"binary","name":"state","property":"state","value_on":"ON","value_off":"OFF","value_toggle":"TOGGLE","access":7},
               {"type":"numeric","name":"brightness","property":"brightness","value_min":0,"value_max":254,"access":7},
               {"type":"numeric","name":"color_temp","property":"color_temp","unit":"mired","access":7},
               {"type":"composite","name":"color_xy","property":"color","features":[
                 {"type":"numeric","name":"x","property":"x","access":7},{"type":"numeric","name":"y","property":"y","access":7}]}]}]}},
          {"ieee_address":"0x00158d0001825500","type":"Router","supported":true,"friendly_name":"my_plug",
           "definition":{"model":"ZNCZ02LM","vendor":"Xiaomi","description":"Mi power plug ZigBee","options":[],
             "exposes":[{"type":"numeric","name":"power","property":"power","unit":"W","access":5},
                        {"type":"numeric","name":"voltage","property":"voltage","unit":"V","access":5}]}},
          {"ieee_address":"0x00124b00120144ae","type":"Coordinator","supported":false,"friendly_name":"Coordinator","definition":null}
        ]
        """;

    private static Zigbee2MqttConvention Convention(params string[] baseTopics) =>
        new(Options.Create(baseTopics.Length == 0 ? new DevicesOptions() : new DevicesOptions { Zigbee2MqttBaseTopics = [.. baseTopics] }));

    private static ConventionReading? Read(Zigbee2MqttConvention convention, string topic, string payload) =>
        convention.Read(topic, Encoding.UTF8.GetBytes(payload), Now);

    private static Dictionary<string, (double Value, string? Unit)> Metrics(ConventionReading? reading) =>
        reading!.Payload!.Values.ToDictionary(v => v.Metric, v => (v.Value, v.Unit));

    [Theory]
    [InlineData("online", true)]
    [InlineData("offline", false)]
    [InlineData("""{"state":"online"}""", true)]
    [InlineData("""{"state":"offline"}""", false)]
    public void The_bridge_state_is_the_presence_of_the_bridge_in_the_legacy_and_the_json_form(string payload, bool online)
    {
        var reading = Read(Convention(), "zigbee2mqtt/bridge/state", payload);

        // The bridge speaks for its devices: offline, they are unknown.
        Assert.Equal(ConventionReading.GatewayPresence("zigbee2mqtt/bridge", online, "zigbee2mqtt/", DeviceStatus.Unknown), reading);
    }

    [Theory]
    [InlineData("zigbee2mqtt/bridge/info", """{"version":"1.13.0-dev","commit":"772f6c0","coordinator":{"ieee_address":"0x12345678","type":"zStack30x","meta":{"revision":20190425,"transportrev":2}},"network":{"channel":15,"pan_id":5674,"extended_pan_id":[0,11,22]},"log_level":"debug","permit_join":true,"restart_required":false}""")]
    [InlineData("zigbee2mqtt/bridge/logging", """{"level": "info", "message": "Zigbee: allowing new devices to join."}""")]
    [InlineData("zigbee2mqtt/bridge/event", """{"type":"device_joined","data":{"friendly_name":"0x90fd9ffffe6494fc","ieee_address":"0x90fd9ffffe6494fc"}}""")]
    [InlineData("zigbee2mqtt/bridge/groups", """[{"id":1,"friendly_name":"my_group","scenes":[{"id":1,"name":"Scene 1"}],"members":[{"ieee_address":"0x90fd9ffffe6494fc","endpoint":1}]}]""")]
    [InlineData("zigbee2mqtt/bridge/request/permit_join", """{"value": true, "transaction":23}""")]
    [InlineData("zigbee2mqtt/bridge/response/permit_join", """{"data":{"value":true},"status":"ok","transaction":23}""")]
    [InlineData("zigbee2mqtt/bridge/devices", BridgeDevices)]
    [InlineData("zigbee2mqtt/bridge/state", "")]
    public void The_other_bridge_topics_are_not_telemetry(string topic, string payload)
    {
        var reading = Read(Convention(), topic, payload);

        Assert.Equal(ConventionReading.NotTelemetry("zigbee2mqtt/bridge"), reading);
    }

    [Fact]
    public void A_device_state_is_read_with_the_units_its_exposes_give()
    {
        var convention = Convention();
        Read(convention, "zigbee2mqtt/bridge/devices", BridgeDevices);

        var climate = Read(convention, "zigbee2mqtt/climate", """{"temperature": 27.34, "humidity": 44.72, "linkquality": 120}""");
        var plug = Read(convention, "zigbee2mqtt/my_plug", """{"state":"ON","power":12.5,"voltage":230.1}""");

        Assert.Equal("zigbee2mqtt/climate", climate!.DeviceId);
        Assert.Null(climate.Presence);
        Assert.Equal(new() { ["temperature"] = (27.34, "°C"), ["humidity"] = (44.72, "%"), ["linkquality"] = (120, "lqi") }, Metrics(climate));
        Assert.Null(climate.Payload!.Time);
        Assert.Equal((230.1, "V"), Metrics(plug)["voltage"]); // the exposes win over the battery sensors' mV
        Assert.Equal("ON", plug!.Payload!.State);
    }

    [Fact]
    public void Without_bridge_devices_the_well_known_properties_have_their_usual_units()
    {
        var reading = Read(Convention(), "zigbee2mqtt/0x00158d00018255df",
            """{"temperature":21.3,"humidity":45,"pressure":1013.2,"battery":97,"voltage":2995,"illuminance_lux":310,"co2":415,"pm25":8,"linkquality":120,"state":"ON"}""");

        Assert.Equal(new()
        {
            ["temperature"] = (21.3, "°C"),
            ["humidity"] = (45, "%"),
            ["pressure"] = (1013.2, "hPa"),
            ["battery"] = (97, "%"),
            ["voltage"] = (2995, "mV"),
            ["illuminance_lux"] = (310, "lx"),
            ["co2"] = (415, "ppm"),
            ["pm25"] = (8, "µg/m³"),
            ["linkquality"] = (120, "lqi"),
            ["state"] = (1, null),
        }, Metrics(reading));
        Assert.Equal("zigbee2mqtt/0x00158d00018255df", reading!.DeviceId);
    }

    [Fact]
    public void A_light_state_names_its_metrics_by_property_and_a_composite_by_path()
    {
        var convention = Convention();
        Read(convention, "zigbee2mqtt/bridge/devices", BridgeDevices);

        var lamp = Read(convention, "zigbee2mqtt/living/lamp", """{"state": "ON", "brightness": 215, "color_temp": 325, "color": {"x": 0.4, "y": 0.38}}""");

        Assert.Equal("zigbee2mqtt/living/lamp", lamp!.DeviceId);
        Assert.Equal(new() { ["state"] = (1, null), ["brightness"] = (215, null), ["color_temp"] = (325, "mired"), ["color.x"] = (0.4, null), ["color.y"] = (0.38, null) },
            Metrics(lamp));
    }

    [Fact]
    public void Bookkeeping_in_a_state_is_not_a_reading_and_an_event_alone_makes_none()
    {
        var convention = Convention();

        var sensor = Read(convention, "zigbee2mqtt/motion",
            """{"occupancy": true, "last_seen": 1796212345678, "update_available": false, "update": {"state": "idle", "installed_version": 587765297, "latest_version": 587765297}}""");
        var button = Read(convention, "zigbee2mqtt/switch", """{"action": "single"}""");

        Assert.Equal(new() { ["occupancy"] = (1, null) }, Metrics(sensor));
        Assert.Equal(ConventionReading.NotTelemetry("zigbee2mqtt/switch"), button);
    }

    [Theory]
    [InlineData("online", true)]
    [InlineData("offline", false)]
    [InlineData("""{"state":"online"}""", true)]
    [InlineData("""{"state":"offline"}""", false)]
    public void Availability_is_the_presence_of_its_device_whatever_its_friendly_name(string payload, bool online)
    {
        var convention = Convention();

        Assert.Equal(ConventionReading.PresenceOf("zigbee2mqtt/my_bulb", online), Read(convention, "zigbee2mqtt/my_bulb/availability", payload));
        Assert.Equal(ConventionReading.PresenceOf("zigbee2mqtt/kitchen/floor_light", online), Read(convention, "zigbee2mqtt/kitchen/floor_light/availability", payload));
    }

    [Theory]
    [InlineData("zigbee2mqtt/living/lamp/set", """{"state": "ON", "brightness": 255, "color": {"x": 0.123, "y": 0.123}}""")]
    [InlineData("zigbee2mqtt/living/lamp/set/state", "ON")]
    [InlineData("zigbee2mqtt/living/lamp/set/brightness", "128")]
    [InlineData("zigbee2mqtt/living/lamp/get", """{"state": ""}""")]
    [InlineData("zigbee2mqtt/living/lamp/availability", "maybe")]
    public void Commands_to_a_device_and_unclear_availability_are_not_readings(string topic, string payload)
    {
        Assert.Equal(ConventionReading.NotTelemetry("zigbee2mqtt/living/lamp"), Read(Convention(), topic, payload));
    }

    [Fact]
    public void An_availability_cleared_on_a_rename_or_removal_releases_the_old_names_topics()
    {
        var cleared = Read(Convention(), "zigbee2mqtt/living/lamp/availability", "");

        Assert.Equal(("zigbee2mqtt/living/lamp", null), (cleared!.DeviceId, cleared.Presence));
        Assert.Equal(["zigbee2mqtt/living/lamp/availability", "zigbee2mqtt/living/lamp"], cleared.ReleasedTopics);
    }

    [Fact]
    public void A_topic_gives_the_same_device_whatever_arrived_before_it()
    {
        const string state = """{"temperature":21.3,"humidity":45,"battery":97,"linkquality":120}""";
        var fresh = Convention();
        var replayed = Convention();
        foreach (var (topic, payload) in new[]
        {
            ("zigbee2mqtt/bridge/state", """{"state":"online"}"""), ("zigbee2mqtt/bridge/devices", BridgeDevices),
            ("zigbee2mqtt/living/lamp/availability", "online"), ("zigbee2mqtt/climate/availability", "online"),
        })
        {
            Read(replayed, topic, payload);
        }

        Assert.Equal("zigbee2mqtt/climate", Read(fresh, "zigbee2mqtt/climate", state)!.DeviceId);
        Assert.Equal("zigbee2mqtt/climate", Read(replayed, "zigbee2mqtt/climate", state)!.DeviceId);
        Assert.Equal(Metrics(Read(fresh, "zigbee2mqtt/climate", state)), Metrics(Read(replayed, "zigbee2mqtt/climate", state)));
        Assert.Equal("zigbee2mqtt/living/lamp", Read(fresh, "zigbee2mqtt/living/lamp", """{"state":"OFF"}""")!.DeviceId);
    }

    [Fact]
    public void A_new_bridge_devices_replaces_what_the_last_one_taught()
    {
        var convention = Convention();
        Read(convention, "zigbee2mqtt/bridge/devices", BridgeDevices);
        Read(convention, "zigbee2mqtt/bridge/devices", """[{"friendly_name":"my_plug","definition":{"exposes":[{"type":"numeric","name":"voltage","property":"voltage","unit":"mV","access":1}]}}]""");

        Assert.Equal((2995, "mV"), Metrics(Read(convention, "zigbee2mqtt/my_plug", """{"voltage":2995}"""))["voltage"]);
        Assert.Equal((325, null), Metrics(Read(convention, "zigbee2mqtt/living/lamp", """{"color_temp":325}"""))["color_temp"]);
    }

    [Fact]
    public void Configured_base_topics_are_the_ones_read_and_others_are_left_to_the_generic_rules()
    {
        var convention = Convention("zigbee2mqtt", "z2m-garage/");

        Assert.Equal(ConventionReading.GatewayPresence("z2m-garage/bridge", true, "z2m-garage/", DeviceStatus.Unknown), Read(convention, "z2m-garage/bridge/state", "online"));
        Assert.Equal("z2m-garage/door", Read(convention, "z2m-garage/door", """{"contact":false,"battery":90}""")!.DeviceId);
        Assert.Null(Read(Convention(), "z2m-garage/door", """{"contact":false}"""));
        Assert.Null(Read(convention, "home/livingroom/temperature", "21.5"));
        Assert.Null(Read(convention, "zigbee2mqtt-old/lamp", """{"state":"ON"}"""));
        Assert.Null(Read(convention, "zigbee2mqtt", "online"));
        Assert.Null(Read(convention, "zigbee2mqtt/", "online"));
    }

    [Theory]
    [InlineData("zigbee2mqtt/bridge/state")]
    [InlineData("zigbee2mqtt/bridge/devices")]
    [InlineData("zigbee2mqtt/climate")]
    [InlineData("zigbee2mqtt/climate/availability")]
    public void Malformed_and_binary_payloads_never_throw_and_make_no_readings(string topic)
    {
        var convention = Convention();
        byte[][] payloads =
        [
            [0xFF, 0xFE, 0x00, 0x01], Encoding.UTF8.GetBytes("""{"state":"online" """), Encoding.UTF8.GetBytes("""{"temperature":"""),
            Encoding.UTF8.GetBytes(new string('[', 5000)),
            Encoding.UTF8.GetBytes("""{"state":"online"} trailing"""), new byte[200_000],
        ];

        foreach (var payload in payloads)
        {
            var reading = convention.Read(topic, payload, Now);
            Assert.True(reading is { Presence: null, Payload.Values.Count: 0 }, $"{topic} read {reading} from a malformed payload");
        }

        Assert.Equal((21.0, "°C"), Metrics(convention.Read("zigbee2mqtt/climate", """{"temperature":21}"""u8, Now))["temperature"]);
    }

    [Fact]
    public void The_units_of_a_bridge_devices_list_come_from_nested_features()
    {
        var units = Zigbee2MqttUnits.FromBridgeDevices(Encoding.UTF8.GetBytes(BridgeDevices));

        Assert.Equal(["climate", "living/lamp", "my_plug", "Coordinator"], units.Keys);
        Assert.Equal("mired", units["living/lamp"]["color_temp"]);
        Assert.Empty(units["Coordinator"]);
        Assert.Empty(Zigbee2MqttUnits.FromBridgeDevices("""[{"friendly_name":1,"definition":{"exposes":{}}}, 7, null, {"friendly_name":""}]"""u8));
        Assert.Empty(Zigbee2MqttUnits.FromBridgeDevices("""{"friendly_name":"lamp"}"""u8));
        Assert.Empty(Assert.Single(Zigbee2MqttUnits.FromBridgeDevices("""[{"friendly_name":"lamp","definition":{"exposes":{"unit":"W"}}}]"""u8)).Value);
        Assert.Equal(PayloadKind.Json, Read(Convention(), "zigbee2mqtt/living/lamp", """{"brightness":1}""")!.Payload!.Kind);
    }
}
