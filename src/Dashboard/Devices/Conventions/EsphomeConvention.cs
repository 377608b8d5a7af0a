using Dashboard.Readings;

namespace Dashboard.Devices.Conventions;

/// <summary>
/// ESPHome's MQTT client (esphome.io/components/mqtt): an entity publishes its state on
/// <c>&lt;topic_prefix&gt;/&lt;component&gt;/&lt;object_id&gt;/state</c> (a climate, cover, fan or valve also on
/// <c>…/&lt;object_id&gt;/&lt;field&gt;/state</c>) and listens on the same topic ending in <c>/command</c>. The device is
/// the topic prefix (the node name by default, or a custom <c>home/living_room</c>), the metric the entity's object id
/// (<c>…/sensor/outside_temperature/state</c> → <c>outside_temperature</c>; <c>…/climate/hall/current_temperature/state</c>
/// → <c>hall current_temperature</c>).
/// </summary>
/// <remarks>
/// Presence is the node's birth and will on <c>&lt;topic_prefix&gt;/status</c> (<c>online</c>/<c>offline</c>, retained),
/// which the generic status rule already reads as the same device; claiming every <c>…/status</c> here would take it from
/// devices that are not ESPHome. The plain state carries no unit (the Home Assistant discovery config does), so units stay
/// empty. Text entities (text_sensor, select, lock …) carry no number and make no reading.
/// </remarks>
public sealed class EsphomeConvention : IDeviceConvention
{
    private static readonly HashSet<string> NumericComponents = new(StringComparer.Ordinal)
    {
        "sensor", "binary_sensor", "switch", "light", "fan", "cover", "climate", "number", "valve",
    };

    private static readonly HashSet<string> TextComponents = new(StringComparer.Ordinal)
    {
        "text_sensor", "select", "text", "button", "lock", "event", "update", "date", "time", "datetime", "alarm_control_panel",
    };

    public ConventionReading? Read(string topic, ReadOnlySpan<byte> payload, DateTimeOffset arrived)
    {
        if (topic.StartsWith("esphome/discover/", StringComparison.Ordinal))
        {
            return ConventionReading.NotTelemetry(topic["esphome/discover/".Length..]); // the node's address for the ESPHome dashboard
        }

        var command = topic.EndsWith("/command", StringComparison.Ordinal);
        if ((!command && !topic.EndsWith("/state", StringComparison.Ordinal)) || !ParseTopic(topic, out var device, out var component, out var metric))
        {
            return null;
        }

        if (command || !NumericComponents.Contains(component))
        {
            return ConventionReading.NotTelemetry(device);
        }

        var parsed = PayloadParser.Parse(topic, payload, arrived);
        var values = new List<ParsedValue>(parsed.Values.Count);
        foreach (var value in parsed.Values)
        {
            // A single value is named by the topic's last level ("state"); a light's JSON by its keys ("state", "brightness").
            var single = parsed.Kind is PayloadKind.Number or PayloadKind.Text or PayloadKind.State;
            var name = single || value.Metric == "state" ? metric : $"{metric} {value.Metric}";
            values.Add(value with { Metric = name });
        }

        return ConventionReading.Readings(device, values, state: parsed.State);
    }

    /// <summary>
    /// Splits <c>prefix/component/object_id[/field]/state</c>; false unless the component is one of ESPHome's and the
    /// prefix is not empty.
    /// </summary>
    internal static bool ParseTopic(string topic, out string device, out string component, out string metric)
    {
        device = component = metric = "";
        var levels = topic.Split('/');
        if (levels.Length >= 4 && IsComponent(levels[^3]) && levels[^2].Length > 0)
        {
            (device, component, metric) = (string.Join('/', levels[..^3]), levels[^3], levels[^2]);
        }
        else if (levels.Length >= 5 && IsComponent(levels[^4]) && levels[^3].Length > 0 && levels[^2].Length > 0)
        {
            (device, component, metric) = (string.Join('/', levels[..^4]), levels[^4], $"{levels[^3]} {levels[^2]}");
        }

        return device.Length > 0;
    }

    private static bool IsComponent(string level) => NumericComponents.Contains(level) || TextComponents.Contains(level);
}
