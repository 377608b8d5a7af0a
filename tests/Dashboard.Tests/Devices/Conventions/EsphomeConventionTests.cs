using System.Text;
using Dashboard.Broker.Events;
using Dashboard.Devices;
using Dashboard.Devices.Conventions;
using Dashboard.Ingestion;
using MQTTnet.Protocol;

namespace Dashboard.Tests.Devices.Conventions;

/// <summary>ESPHome's MQTT topics as esphome.io/components/mqtt documents them.</summary>
public sealed class EsphomeConventionTests
{
    private static readonly DateTimeOffset Arrived = new(2024, 1, 1, 11, 0, 5, TimeSpan.Zero);
    private readonly EsphomeConvention _convention = new();

    private ConventionReading? Read(string topic, string payload) => _convention.Read(topic, Encoding.UTF8.GetBytes(payload), Arrived);

    private static (string Metric, double Value, string? Unit)[] Values(ConventionReading? reading) =>
        [.. reading!.Payload!.Values.Select(v => (v.Metric, v.Value, v.Unit))];

    [Fact]
    public void A_sensor_state_is_a_metric_named_after_its_entity_of_the_node_without_a_unit()
    {
        var reading = Read("livingroom/sensor/outside_temperature/state", "21.50");

        Assert.Equal("livingroom", reading!.DeviceId);
        Assert.Equal([("outside_temperature", 21.5, null)], Values(reading));
    }

    [Fact]
    public void A_custom_topic_prefix_is_the_device()
    {
        Assert.Equal("home/living_room", Read("home/living_room/sensor/humidity/state", "45.2")!.DeviceId);
    }

    [Theory]
    [InlineData("livingroom/binary_sensor/window/state", "ON", "window", 1)]
    [InlineData("livingroom/switch/relay/state", "OFF", "relay", 0)]
    [InlineData("livingroom/cover/blind/state", "open", "blind", 1)]
    [InlineData("livingroom/cover/blind/position/state", "55", "blind position", 55)]
    [InlineData("livingroom/climate/hall/current_temperature/state", "20.5", "hall current_temperature", 20.5)]
    [InlineData("livingroom/number/setpoint/state", "7", "setpoint", 7)]
    public void Switches_covers_and_climate_fields_are_named_after_their_entity(string topic, string payload, string metric, double value)
    {
        var reading = Read(topic, payload);
        Assert.Equal("livingroom", reading!.DeviceId);
        Assert.Equal([(metric, value, (string?)null)], Values(reading));
    }

    [Fact]
    public void A_json_light_state_is_the_light_and_its_fields()
    {
        var reading = Read("livingroom/light/ceiling/state", """{"state":"ON","brightness":255,"color_mode":"rgb","color":{"r":255,"g":0,"b":10}}""");

        Assert.Equal([("ceiling", 1, null), ("ceiling brightness", 255, null), ("ceiling color.r", 255, null), ("ceiling color.g", 0, null), ("ceiling color.b", 10, null)],
            Values(reading));
    }

    [Fact]
    public void Commands_text_entities_and_unknown_values_make_no_reading()
    {
        foreach (var (topic, payload) in new[]
        {
            ("livingroom/switch/relay/command", "ON"), ("livingroom/light/ceiling/command", """{"state":"ON","brightness":100}"""),
            ("livingroom/climate/hall/target_temperature/command", "21"), ("livingroom/button/restart/command", "PRESS"),
            ("livingroom/text_sensor/version/state", "2024.1.0 build 42"), ("livingroom/select/mode/state", "Eco 2"),
            ("livingroom/sensor/outside_temperature/state", "nan"), ("esphome/discover/livingroom", """{"ip":"192.168.1.5","port":6053}"""),
        })
        {
            var reading = Read(topic, payload);
            Assert.NotNull(reading);
            Assert.Empty(reading.Payload!.Values);
        }

        Assert.Equal("livingroom", Read("livingroom/switch/relay/command", "ON")!.DeviceId);
    }

    [Theory]
    [InlineData("livingroom/status")]
    [InlineData("home/livingroom/temperature")]
    [InlineData("sensor/outside_temperature/state")]
    [InlineData("livingroom/gadget/x/state")]
    [InlineData("homeassistant/sensor/livingroom/temperature/config")]
    [InlineData("livingroom/sensor//state")]
    public void Topics_that_are_not_esphome_entities_are_left_to_the_generic_rules(string topic) =>
        Assert.Null(Read(topic, "online"));

    [Fact]
    public void The_nodes_birth_and_will_are_read_by_the_generic_status_rule_as_the_same_device()
    {
        var presence = new PresenceParser(new DevicesOptions());
        var devices = new DeviceResolver(100);
        var conventions = new DeviceConventions([_convention]);
        IngestedEvent Ingest(string topic, string payload) => IngestedEvent.From(
            new BrokerEvent(BrokerEventKind.MessagePublished, Arrived, "livingroom", topic, Encoding.UTF8.GetBytes(payload), MqttQualityOfServiceLevel.AtMostOnce, true, null),
            presence, devices, null, conventions);

        var reading = Ingest("livingroom/sensor/outside_temperature/state", "21.5");
        var birth = Ingest("livingroom/status", "online");
        var will = Ingest("livingroom/status", "offline");

        Assert.Equal(("livingroom", "livingroom", "livingroom"), (reading.DeviceId, birth.DeviceId, will.DeviceId));
        Assert.Equal((true, false), (birth.Presence!.Value.Online, will.Presence!.Value.Online));
    }

    [Fact]
    public void Malformed_and_binary_states_never_throw()
    {
        var random = new byte[2048];
        new Random(3).NextBytes(random);

        Assert.Empty(_convention.Read("livingroom/light/ceiling/state", random, Arrived)!.Payload!.Values);
        Assert.Empty(Read("livingroom/light/ceiling/state", "{\"state\":")!.Payload!.Values);
        Assert.Empty(Read("livingroom/sensor/x/state", "")!.Payload!.Values);
    }
}
