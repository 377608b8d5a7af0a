using System.Text.Json;
using Dashboard.Devices;

namespace Dashboard.Registry;

/// <summary>
/// A device's settings as a form or a PATCH body gives them, checked the same way for both: names without control
/// characters and within their lengths, an "expected every" from 1 s to 7 days. Blank means "not set".
/// </summary>
public sealed class DeviceSettingsInput
{
    public const int MaxName = 100;
    public const int MaxGroup = 60;
    public const int MaxUnit = 16;
    public const int MaxMetrics = 500;
    public const int MaxExpectedEverySeconds = 7 * 24 * 3600;

    public string? DisplayName { get; set; }
    public string? Group { get; set; }
    public bool Hidden { get; set; }
    public int? ExpectedEverySeconds { get; set; }
    public Dictionary<string, MetricSettings> Metrics { get; set; } = new(StringComparer.Ordinal);

    public static DeviceSettingsInput From(DeviceSettings settings) => new()
    {
        DisplayName = settings.DisplayName,
        Group = settings.Group,
        Hidden = settings.Hidden,
        ExpectedEverySeconds = settings.ExpectedEvery is { } every ? (int)every.TotalSeconds : null,
        Metrics = new Dictionary<string, MetricSettings>(settings.Metrics, StringComparer.Ordinal),
    };

    /// <summary>The settings, or the errors by field name (<c>displayName</c>, <c>metrics.temp.unit</c>).</summary>
    public (DeviceSettings? Settings, Dictionary<string, string[]> Errors) Validate()
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var name = Text(DisplayName, MaxName, "displayName", "A name", errors);
        var group = Text(Group, MaxGroup, "group", "A group", errors);
        if (ExpectedEverySeconds is < 1 or > MaxExpectedEverySeconds)
        {
            errors["expectedEverySeconds"] = [$"Expected every: from 1 to {MaxExpectedEverySeconds} seconds (7 days), or empty for no expectation."];
        }

        if (Metrics.Count > MaxMetrics)
        {
            errors["metrics"] = [$"At most {MaxMetrics} metrics can have settings."];
        }

        var metrics = new Dictionary<string, MetricSettings>(StringComparer.Ordinal);
        foreach (var (metric, settings) in Metrics)
        {
            if (string.IsNullOrWhiteSpace(metric))
            {
                errors["metrics"] = ["A metric's name is empty."];
                continue;
            }

            var metricName = Text(settings.DisplayName, MaxName, $"metrics.{metric}.displayName", "A metric's name", errors);
            var unit = Text(settings.Unit, MaxUnit, $"metrics.{metric}.unit", "A unit", errors);
            if (metricName is not null || unit is not null)
            {
                metrics[metric] = new MetricSettings(metricName, unit);
            }
        }

        return errors.Count > 0
            ? (null, errors)
            : (new DeviceSettings(name, group, Hidden, ExpectedEverySeconds is { } s ? TimeSpan.FromSeconds(s) : null, metrics), errors);
    }

    /// <summary>
    /// Applies a PATCH body: a field present changes (null clears it), a field absent stays; in <c>metrics</c>, each
    /// metric named is replaced (null removes its settings). Unknown fields and wrong types are errors.
    /// </summary>
    public Dictionary<string, string[]> Patch(JsonElement body)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors[""] = ["The body must be a JSON object."];
            return errors;
        }

        foreach (var field in body.EnumerateObject())
        {
            var value = field.Value;
            switch (field.Name)
            {
                case "displayName" when TryString(value, out var text):
                    DisplayName = text;
                    break;
                case "group" when TryString(value, out var text):
                    Group = text;
                    break;
                case "hidden" when value.ValueKind is JsonValueKind.True or JsonValueKind.False:
                    Hidden = value.GetBoolean();
                    break;
                case "expectedEverySeconds" when value.ValueKind == JsonValueKind.Null:
                    ExpectedEverySeconds = null;
                    break;
                case "expectedEverySeconds" when value.ValueKind == JsonValueKind.Number:
                    ExpectedEverySeconds = value.TryGetInt32(out var seconds) ? seconds : -1;
                    break;
                case "metrics" when value.ValueKind == JsonValueKind.Object:
                    PatchMetrics(value, errors);
                    break;
                case "displayName" or "group" or "hidden" or "expectedEverySeconds" or "metrics":
                    errors[field.Name] = [$"{field.Name} has the wrong type."];
                    break;
                default:
                    errors[field.Name] = [$"Unknown field '{field.Name}': use displayName, group, hidden, expectedEverySeconds or metrics."];
                    break;
            }
        }

        return errors;
    }

    private void PatchMetrics(JsonElement metrics, Dictionary<string, string[]> errors)
    {
        foreach (var metric in metrics.EnumerateObject())
        {
            if (metric.Value.ValueKind == JsonValueKind.Null)
            {
                Metrics.Remove(metric.Name);
                continue;
            }

            string? name = null, unit = null;
            var valid = metric.Value.ValueKind == JsonValueKind.Object;
            if (valid)
            {
                foreach (var field in metric.Value.EnumerateObject())
                {
                    valid &= field.Name switch
                    {
                        "displayName" => TryString(field.Value, out name),
                        "unit" => TryString(field.Value, out unit),
                        _ => false,
                    };
                }
            }

            if (valid)
            {
                Metrics[metric.Name] = new MetricSettings(name, unit);
            }
            else
            {
                errors[$"metrics.{metric.Name}"] = ["A metric's settings are an object with displayName and unit (strings or null)."];
            }
        }
    }

    private static bool TryString(JsonElement value, out string? text)
    {
        text = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        return value.ValueKind is JsonValueKind.String or JsonValueKind.Null;
    }

    private static string? Text(string? value, int max, string field, string what, Dictionary<string, string[]> errors)
    {
        var text = value?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (text.Length > max)
        {
            errors[field] = [$"{what} is at most {max} characters."];
        }
        else if (text.Any(char.IsControl))
        {
            errors[field] = [$"{what} cannot contain control characters."];
        }

        return text;
    }
}
