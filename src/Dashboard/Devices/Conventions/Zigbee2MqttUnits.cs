using System.Text.Json;

namespace Dashboard.Devices.Conventions;

/// <summary>
/// The units of Zigbee2MQTT state properties: from <c>bridge/devices</c> (each device's <c>definition.exposes</c>, zigbee2mqtt.io
/// "Exposes"), else the usual unit of its well-known properties.
/// </summary>
internal static class Zigbee2MqttUnits
{
    private const int MaxDevices = 10_000;
    private const int MaxUnitsPerDevice = 512;
    private const int MaxUnitLength = 16;

    // Zigbee2MQTT's own units for these properties; voltage is mV on battery sensors (a plug's exposes say V).
    private static readonly Dictionary<string, string> Defaults = new(StringComparer.Ordinal)
    {
        ["temperature"] = "°C",
        ["local_temperature"] = "°C",
        ["device_temperature"] = "°C",
        ["occupied_heating_setpoint"] = "°C",
        ["current_heating_setpoint"] = "°C",
        ["humidity"] = "%",
        ["soil_moisture"] = "%",
        ["battery"] = "%",
        ["linkquality"] = "lqi",
        ["voltage"] = "mV",
        ["pressure"] = "hPa",
        ["illuminance"] = "lx",
        ["illuminance_lux"] = "lx",
        ["power"] = "W",
        ["energy"] = "kWh",
        ["current"] = "A",
        ["co2"] = "ppm",
        ["pm25"] = "µg/m³",
        ["pm10"] = "µg/m³",
    };

    public static string? Default(string property) => Defaults.GetValueOrDefault(property);

    /// <summary>
    /// False for the bookkeeping Zigbee2MQTT adds to a state: <c>last_seen</c> (a time), <c>update_available</c> and the
    /// OTA <c>update</c> object (firmware versions).
    /// </summary>
    public static bool IsReading(string metric) =>
        metric is not ("last_seen" or "update_available")
        && !metric.StartsWith("update.", StringComparison.Ordinal);

    /// <summary>
    /// Units by friendly name, then by state property (a composite's features as <c>color.x</c>, the path the payload parser
    /// names them by). Every listed device is there, with or without units; malformed JSON gives none.
    /// </summary>
    public static Dictionary<string, Dictionary<string, string>> FromBridgeDevices(ReadOnlySpan<byte> payload)
    {
        var devices = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        try
        {
            var reader = new Utf8JsonReader(payload, new JsonReaderOptions { AllowTrailingCommas = true });
            if (!JsonDocument.TryParseValue(ref reader, out var document))
            {
                return devices;
            }

            using (document)
            {
                if (document.RootElement.ValueKind != JsonValueKind.Array)
                {
                    return devices;
                }

                foreach (var device in document.RootElement.EnumerateArray())
                {
                    if (devices.Count >= MaxDevices)
                    {
                        break;
                    }

                    if (device.ValueKind == JsonValueKind.Object && StringOf(device, "friendly_name") is { Length: > 0 } name)
                    {
                        var units = new Dictionary<string, string>(StringComparer.Ordinal);
                        if (device.TryGetProperty("definition", out var definition) && definition.ValueKind == JsonValueKind.Object
                            && definition.TryGetProperty("exposes", out var exposes))
                        {
                            AddUnits(exposes, "", units);
                        }

                        devices[name] = units;
                    }
                }
            }
        }
        catch (JsonException)
        {
            return [];
        }

        return devices;
    }

    // A specific expose (light, switch, climate …) lists its features at the state's top level; a composite nests them
    // under its own property (color_xy → "color": {"x", "y"}).
    private static void AddUnits(JsonElement exposes, string prefix, Dictionary<string, string> units)
    {
        if (exposes.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        foreach (var expose in exposes.EnumerateArray())
        {
            if (expose.ValueKind != JsonValueKind.Object || units.Count >= MaxUnitsPerDevice)
            {
                continue;
            }

            var property = StringOf(expose, "property");
            if (expose.TryGetProperty("features", out var features))
            {
                AddUnits(features, property is { Length: > 0 } ? $"{prefix}{property}." : prefix, units);
            }
            else if (property is { Length: > 0 } && StringOf(expose, "unit") is { Length: > 0 and <= MaxUnitLength } unit)
            {
                units[prefix + property] = unit;
            }
        }
    }

    private static string? StringOf(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
