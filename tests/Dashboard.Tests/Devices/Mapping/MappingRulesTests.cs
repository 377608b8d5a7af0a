using System.Text;
using Dashboard.Devices;
using Dashboard.Devices.Mapping;

namespace Dashboard.Tests.Devices.Mapping;

public sealed class TopicPatternTests
{
    [Theory]
    [InlineData("plant/{device}/sensors/{metric}", "plant/pump1/sensors/temperature", "pump1", "temperature")]
    [InlineData("lab/+/{device}/data", "lab/room3/scope7/data", "scope7", null)]
    [InlineData("site/{device}/#", "site/gate/a/b/c", "gate", null)]
    [InlineData("site/{device}/#", "site/gate", "gate", null)] // as in MQTT, a/# matches a
    [InlineData("{device}/{metric}", "boiler/pressure", "boiler", "pressure")]
    [InlineData("+/+/{device}", "a//dev", "dev", null)] // + matches an empty level too
    public void A_matching_topic_gives_its_device_and_metric(string pattern, string topic, string device, string? metric)
    {
        Assert.True(TopicPattern.Parse(pattern).TryMatch(topic, out var matchedDevice, out var matchedMetric));
        Assert.Equal(device, matchedDevice);
        Assert.Equal(metric, matchedMetric);
    }

    [Theory]
    [InlineData("plant/{device}/sensors/{metric}", "plant/pump1/sensors")] // fewer levels
    [InlineData("plant/{device}/sensors/{metric}", "plant/pump1/sensors/t/x")] // more levels
    [InlineData("plant/{device}/sensors/{metric}", "Plant/pump1/sensors/t")] // topics are case-sensitive
    [InlineData("plant/{device}/sensors/{metric}", "plant//sensors/t")] // a device needs a name
    [InlineData("plant/{device}/sensors/{metric}", "plant/pump1/sensors/")]
    [InlineData("lab/+/{device}/data", "lab/scope7/data")]
    [InlineData("site/{device}/#", "other/gate/a")]
    [InlineData("{device}/#", "$SYS/broker/uptime")] // as in MQTT, a wildcard first level skips $ topics
    [InlineData("+/{device}/#", "$SYS/broker/uptime")]
    public void A_topic_of_another_shape_does_not_match(string pattern, string topic) =>
        Assert.False(TopicPattern.Parse(pattern).TryMatch(topic, out _, out _));

    [Theory]
    [InlineData("plant/{device}/{device}", "{device} may appear only once")]
    [InlineData("plant/{metric}/{metric}/{device}", "{metric} may appear only once")]
    [InlineData("plant/#/{device}", "# may only be the last level")]
    [InlineData("plant/sensors/{metric}", "needs a {device} level")]
    [InlineData("plant/x{device}", "must be a whole level")]
    [InlineData("plant/{name}/{device}", "Unknown placeholder {name}")]
    [InlineData("plant/a+/{device}", "+ and # must be a whole level")]
    [InlineData("", "A pattern is needed")]
    [InlineData("   ", "A pattern is needed")]
    public void An_invalid_pattern_is_refused_with_the_reason(string pattern, string reason)
    {
        Assert.False(TopicPattern.TryParse(pattern, out var parsed, out var error));
        Assert.Null(parsed);
        Assert.Contains(reason, error);
    }
}

public sealed class MappingRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    private static MappingRules Rules(params string[] configured)
    {
        var options = new DevicesOptions { MappingRules = [.. configured] };
        return new MappingRules(options, new PresenceParser(options));
    }

    private static Dashboard.Devices.Conventions.ConventionReading? Read(MappingRules rules, string topic, string payload) =>
        rules.Read(topic, Encoding.UTF8.GetBytes(payload), Now);

    [Fact]
    public void The_metric_level_names_a_single_value()
    {
        var reading = Read(Rules("plant/{device}/sensors/{metric}"), "plant/pump1/sensors/flow", "12.5 l/min");

        Assert.Equal("pump1", reading!.DeviceId);
        var value = Assert.Single(reading.Payload!.Values);
        Assert.Equal(("flow", 12.5, "l/min"), (value.Metric, value.Value, value.Unit));
    }

    [Fact]
    public void The_metric_level_names_a_value_with_its_unit_even_when_it_is_not_the_last_level()
    {
        var reading = Read(Rules("plant/{device}/{metric}/reading"), "plant/pump1/flow/reading", """{"value": 3, "unit": "bar"}""");

        var value = Assert.Single(reading!.Payload!.Values);
        Assert.Equal(("flow", 3.0, "bar"), (value.Metric, value.Value, value.Unit));
    }

    [Fact]
    public void Without_a_metric_level_the_payloads_fields_are_the_metrics()
    {
        var reading = Read(Rules("lab/+/{device}/data"), "lab/room3/scope7/data", """{"temp": 21.5, "hum": 40, "sensor_id": "other"}""");

        Assert.Equal("scope7", reading!.DeviceId); // the rule's device, not the payload's sensor_id
        Assert.Equal(["temp", "hum"], reading.Payload!.Values.Select(v => v.Metric));
    }

    [Fact]
    public void A_json_object_under_a_metric_level_gives_one_metric_per_field()
    {
        var reading = Read(Rules("plant/{device}/{metric}"), "plant/pump1/climate", """{"temp": 21.5, "hum": 40}""");

        Assert.Equal(["climate.temp", "climate.hum"], reading!.Payload!.Values.Select(v => v.Metric));
    }

    [Fact]
    public void A_status_topic_under_a_rule_is_the_rules_devices_presence_and_a_command_is_no_reading()
    {
        var rules = Rules("plant/{device}/#");

        var status = Read(rules, "plant/pump1/status", "offline");
        var command = Read(rules, "plant/pump1/valve/set", "1");

        Assert.Equal(new PresenceReport("pump1", false), status!.Presence);
        Assert.Equal("pump1", command!.DeviceId);
        Assert.Empty(command.Payload!.Values);
    }

    [Fact]
    public void The_first_matching_rule_decides_and_other_topics_are_left_to_the_conventions()
    {
        var rules = Rules("plant/{device}/special/{metric}", "plant/{device}/#");

        var first = Read(rules, "plant/a/special/x", "1")!;
        var second = Read(rules, "plant/b/special", """{"temp": 1}""")!;

        Assert.Equal(("a", "x"), (first.DeviceId, first.Payload!.Values[0].Metric));
        Assert.Equal(("b", "temp"), (second.DeviceId, second.Payload!.Values[0].Metric));
        Assert.Null(Read(rules, "tele/kitchen/SENSOR", "{}"));
    }

    [Fact]
    public void Rules_from_settings_come_after_the_configured_ones_and_replace_each_other_whole()
    {
        var rules = Rules("plant/{device}/#");
        rules.SetStored([TopicPattern.Parse("{device}/plant/#"), TopicPattern.Parse("lab/{device}/{metric}")]);

        Assert.Equal("x", Read(rules, "plant/x/plant/t", "1")!.DeviceId); // the configured rule is asked first
        Assert.Equal("scope", Read(rules, "lab/scope/volts", "1")!.DeviceId);

        rules.SetStored([]);

        Assert.Null(Read(rules, "lab/scope/volts", "1"));
        Assert.Equal(["plant/{device}/#"], rules.All.Select(r => r.Text));
    }

    [Fact]
    public void An_invalid_configured_rule_stops_the_start_naming_the_key()
    {
        var result = new DevicesOptionsValidator().Validate(null, new DevicesOptions { MappingRules = ["ok/{device}", "a/#/{device}"] });

        Assert.True(result.Failed);
        Assert.Contains("Devices:MappingRules:1 'a/#/{device}': # may only be the last level", result.FailureMessage);
    }
}
