using Dashboard.Devices.Conventions;

namespace Dashboard.Devices.Controls;

/// <summary>
/// The controls a device's firmware offers, known from the topics its state arrives on (each firmware's MQTT documentation):
/// Tasmota's relays (<c>cmnd/&lt;topic&gt;/POWER</c>n <c>ON</c>/<c>OFF</c>, state on <c>stat/&lt;topic&gt;/POWER</c>n) and dimmer,
/// ESPHome's switches, fans, lights (JSON) and numbers (<c>&lt;prefix&gt;/&lt;component&gt;/&lt;id&gt;/command</c>, state on
/// <c>…/state</c>), Zigbee2MQTT devices with a <c>state</c> or <c>brightness</c> (<c>&lt;base&gt;/&lt;name&gt;/set</c> with
/// <c>{"state":"ON"}</c>, <c>{"brightness":128}</c>), Shelly Gen1 relays (<c>shellies/&lt;id&gt;/relay/&lt;n&gt;/command</c>
/// <c>on</c>/<c>off</c>).
/// </summary>
public static class FirmwareControls
{
    /// <param name="series">The device's series: (topic, metric), as live state has them.</param>
    /// <param name="zigbee2MqttBases">Zigbee2MQTT's base topics (<c>Devices:Zigbee2MqttBaseTopics</c>).</param>
    public static IEnumerable<ControlDefinition> From(string deviceId, IEnumerable<(string Topic, string Metric)> series, IReadOnlyList<string> zigbee2MqttBases)
    {
        foreach (var (topic, metric) in series)
        {
            if ((Tasmota(topic, metric) ?? Esphome(topic, metric) ?? Zigbee2Mqtt(deviceId, topic, metric, zigbee2MqttBases) ?? Shelly(topic, metric)) is { } control)
            {
                yield return control;
            }
        }
    }

    internal static ControlDefinition? Tasmota(string topic, string metric)
    {
        if (!metric.StartsWith("POWER", StringComparison.Ordinal) && metric != "Dimmer")
        {
            return null; // the cheap test: cards ask for every device's controls as their readings change
        }

        var levels = topic.Split('/');
        if (levels.Length < 3)
        {
            return null;
        }

        // %prefix%/%topic%/ or %topic%/%prefix%/ (TasmotaConvention): the prefix is the level before the report, else the first one.
        var at = levels[^2] is "stat" or "tele" ? levels.Length - 2 : Array.FindIndex(levels, 0, levels.Length - 1, l => l is "stat" or "tele");
        if (at < 0)
        {
            return null;
        }

        var power = metric.StartsWith("POWER", StringComparison.Ordinal) && !metric.AsSpan(5).ContainsAnyExceptInRange('0', '9');
        var fromState = levels[at] == "tele" && levels[^1] == "STATE";
        var fromPower = levels[at] == "stat" && levels[^1] == metric;
        if (power && (fromState || fromPower))
        {
            var command = Replace(levels, at, "cmnd", metric);
            return new ControlDefinition(command, metric, ControlKind.Switch, command, "Tasmota") { StateTopic = Replace(levels, at, "stat", metric) };
        }

        if (metric == "Dimmer" && fromState)
        {
            var command = Replace(levels, at, "cmnd", "Dimmer");
            return new ControlDefinition(command, "Dimmer", ControlKind.Number, command, "Tasmota")
            {
                Min = 0,
                Max = 100,
                Step = 1,
                Slider = true,
                StateTopic = Replace(levels, at, "stat", "RESULT"),
                StatePath = ["Dimmer"],
            };
        }

        return null;
    }

    internal static ControlDefinition? Esphome(string topic, string metric)
    {
        if (!topic.EndsWith("/state", StringComparison.Ordinal) || !EsphomeConvention.ParseTopic(topic, out _, out var component, out var objectId)
            || objectId.Contains(' ', StringComparison.Ordinal) || metric != objectId)
        {
            return null;
        }

        var command = string.Concat(topic.AsSpan(0, topic.Length - "state".Length), "command");
        return component switch
        {
            "switch" or "fan" => new ControlDefinition(command, objectId, ControlKind.Switch, command, "ESPHome") { StateTopic = topic },
            "light" => new ControlDefinition(ControlDefinition.IdOf(command, "state"), objectId, ControlKind.Switch, command, "ESPHome")
            {
                CommandField = "state",
                StateTopic = topic,
                StatePath = ["state"],
            },
            "number" => new ControlDefinition(command, objectId, ControlKind.Number, command, "ESPHome") { StateTopic = topic },
            _ => null,
        };
    }

    internal static ControlDefinition? Zigbee2Mqtt(string deviceId, string topic, string metric, IReadOnlyList<string> bases)
    {
        if (topic != deviceId || !bases.Any(b => topic.StartsWith(b + "/", StringComparison.Ordinal)) || topic.Contains("/bridge", StringComparison.Ordinal))
        {
            return null;
        }

        var command = topic + "/set";
        return metric switch
        {
            "state" => new ControlDefinition(ControlDefinition.IdOf(command, "state"), "state", ControlKind.Switch, command, "Zigbee2MQTT")
            {
                CommandField = "state",
                StateTopic = topic,
                StatePath = ["state"],
            },
            "brightness" => new ControlDefinition(ControlDefinition.IdOf(command, "brightness"), "brightness", ControlKind.Number, command, "Zigbee2MQTT")
            {
                CommandField = "brightness",
                Min = 0,
                Max = 254,
                Step = 1,
                Slider = true,
                StateTopic = topic,
                StatePath = ["brightness"],
            },
            _ => null,
        };
    }

    internal static ControlDefinition? Shelly(string topic, string metric)
    {
        var levels = topic.Split('/');
        if (levels is not ["shellies", { Length: > 0 }, "relay", var relay] || !relay.All(char.IsAsciiDigit) || relay.Length == 0 || metric != $"relay {relay}")
        {
            return null;
        }

        var command = topic + "/command";
        return new ControlDefinition(command, metric, ControlKind.Switch, command, "Shelly")
        {
            PayloadOn = "on",
            PayloadOff = "off",
            StateTopic = topic,
        };
    }

    private static string Replace(string[] levels, int prefixAt, string prefix, string last) =>
        string.Join('/', levels.Select((level, i) => i == prefixAt ? prefix : i == levels.Length - 1 ? last : level));
}
