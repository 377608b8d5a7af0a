using System.Text;
using System.Text.Unicode;
using Dashboard.Readings;

namespace Dashboard.Devices.Conventions;

/// <summary>
/// Tasmota (tasmota.github.io/docs/MQTT): a FullTopic of <c>%prefix%</c> (<c>cmnd</c>, <c>stat</c>, <c>tele</c>) and
/// <c>%topic%</c> in either order, with more levels around them if the user wants (<c>tele/kitchen/SENSOR</c>,
/// <c>kitchen/tele/SENSOR</c>, <c>home/cellar/kitchen/tele/SENSOR</c>). The device is the FullTopic without its prefix
/// level and its last level, so all three prefixes of one Tasmota meet in one device named as the user named it
/// (<c>kitchen</c>; by default <c>tasmota_XXXXXX</c>). Tasmota asks for that topic to be unique per device.
/// </summary>
/// <remarks>
/// <c>tele/…/LWT</c> Online/Offline is presence (Tasmota's retained will). <c>tele/…/SENSOR</c> is read for every sensor
/// field (<c>AM2301 Temperature</c>), with units from <c>TempUnit</c>, <c>PressureUnit</c> and the documented field names;
/// <c>tele/…/STATE</c> for relays (<c>POWER</c>, <c>POWER2</c> …), dimmer, Wi-Fi and uptime; <c>stat/…/POWER</c>n for a
/// relay's change, in the same series as the STATE's. <c>cmnd/…</c> is a command; other reports (<c>stat/…/RESULT</c>, which repeats <c>stat/…/POWER</c>,
/// <c>STATUS</c>n, <c>INFO</c>n …) are not telemetry. <c>Time</c> without a zone (the default) is local time, so the
/// arrival time is used. Custom prefixes (<c>Prefix1</c>–<c>3</c>) are not recognised.
/// </remarks>
public sealed class TasmotaConvention : IDeviceConvention
{
    private const string Command = "cmnd";
    private const string Status = "stat";
    private const string Telemetry = "tele";
    private const string DiscoveryPrefix = "tasmota/discovery/";

    public ConventionReading? Read(string topic, ReadOnlySpan<byte> payload, DateTimeOffset arrived)
    {
        if (topic.StartsWith(DiscoveryPrefix, StringComparison.Ordinal))
        {
            return ConventionReading.NotTelemetry("tasmota/discovery"); // Tasmota's own discovery: configs, not readings
        }

        if (!ParseTopic(topic, out var prefix, out var device, out var report))
        {
            return null;
        }

        return (prefix, report) switch
        {
            (Command, _) => ConventionReading.NotTelemetry(device),
            (Telemetry, "LWT") => Presence(device, payload),
            (Telemetry, "SENSOR") => Sensor(device, payload, arrived),
            (Telemetry, "STATE") => State(device, payload),
            (Status, _) when IsPower(report) => Power(device, report, payload) with { SeriesTopic = StateTopic(topic) },
            _ => ConventionReading.NotTelemetry(device),
        };
    }

    /// <summary>Splits a Tasmota topic; false when it is not one (no prefix level, no device, or a lower-case report).</summary>
    internal static bool ParseTopic(string topic, out string prefix, out string device, out string report)
    {
        prefix = device = report = "";
        if (!topic.Contains("tele/", StringComparison.Ordinal) && !topic.Contains("stat/", StringComparison.Ordinal)
            && !topic.Contains("cmnd/", StringComparison.Ordinal))
        {
            return false; // the cheap test for the many topics that are not Tasmota's
        }

        var levels = topic.Split('/');
        if (levels.Length < 3)
        {
            return false;
        }

        // %topic%/%prefix%/ puts the prefix just before the report; else the first prefix level is it.
        var at = IsPrefix(levels[^2]) ? levels.Length - 2 : Array.FindIndex(levels, 0, levels.Length - 1, IsPrefix);
        if (at < 0)
        {
            return false;
        }

        prefix = levels[at];
        report = levels[^1];
        if (report.Length == 0 || (prefix != Command && !IsReportName(report)))
        {
            return false; // Tasmota's stat and tele reports are upper case (SENSOR, POWER1); home/stat/total is not one
        }

        device = string.Join('/', levels.Where((_, i) => i != at && i != levels.Length - 1));
        return device.Length > 0 && !device.StartsWith('/') && !device.EndsWith('/') && !device.Contains("//", StringComparison.Ordinal);
    }

    private static bool IsPrefix(string level) => level is Command or Status or Telemetry;

    /// <summary>
    /// The <c>tele/…/STATE</c> topic of the device a <c>stat/…</c> topic is from: a relay reported on both (its change at
    /// once, its state every TelePeriod) is one series, keyed by the STATE topic, not two showing different values.
    /// </summary>
    private static string StateTopic(string statTopic)
    {
        var levels = statTopic.Split('/');
        var at = IsPrefix(levels[^2]) ? levels.Length - 2 : Array.FindIndex(levels, 0, levels.Length - 1, IsPrefix);
        levels[at] = Telemetry;
        levels[^1] = "STATE";
        return string.Join('/', levels);
    }

    private static bool IsReportName(string level) => level.All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) || c == '_');

    private static bool IsPower(string name) => name.StartsWith("POWER", StringComparison.Ordinal) && !name.AsSpan(5).ContainsAnyExceptInRange('0', '9');

    private static ConventionReading Presence(string device, ReadOnlySpan<byte> payload)
    {
        var text = payload.Trim(" \t\r\n"u8);
        return Ascii.EqualsIgnoreCase(text, "Online"u8) ? ConventionReading.PresenceOf(device, true)
            : Ascii.EqualsIgnoreCase(text, "Offline"u8) ? ConventionReading.PresenceOf(device, false)
            : ConventionReading.NotTelemetry(device);
    }

    /// <summary><c>stat/…/POWER</c>n: <c>ON</c>/<c>OFF</c> as 1/0.</summary>
    private static ConventionReading Power(string device, string name, ReadOnlySpan<byte> payload)
    {
        if (payload.Length > 16 || !Utf8.IsValid(payload))
        {
            return ConventionReading.NotTelemetry(device);
        }

        var text = Encoding.UTF8.GetString(payload).Trim();
        return FirmwareText.SwitchValue(text) is { } value
            ? ConventionReading.Readings(device, [new ParsedValue(name, value, null)], state: text)
            : ConventionReading.NotTelemetry(device);
    }

    /// <summary><c>tele/…/STATE</c>: the relays, the dimmer, Wi-Fi quality and signal, uptime; the rest is housekeeping.</summary>
    private static ConventionReading State(string device, ReadOnlySpan<byte> payload)
    {
        if (FirmwareJson.ReadObject(payload, maxDepth: 2) is not { } leaves)
        {
            return ConventionReading.NotTelemetry(device);
        }

        var values = new List<ParsedValue>();
        string? state = null;
        foreach (var leaf in leaves)
        {
            var path = leaf.Path;
            if (path.Length == 1 && IsPower(path[0]) && FirmwareText.SwitchValue(leaf.Text) is { } on)
            {
                values.Add(new(path[0], on, null));
                state = state is null ? leaf.Text : ""; // one relay's word is the device's state; with several, none is
            }
            else if (leaf.Number is { } number && (path.Length, path[0], leaf.Key) switch
            {
                (1, "Dimmer", _) => new ParsedValue("Dimmer", number, "%"),
                (1, "UptimeSec", _) => new ParsedValue("Uptime", number, "s"),
                (2, "Wifi", "RSSI") => new ParsedValue("Wifi RSSI", number, "%"), // Tasmota's RSSI is a 0–100 quality
                (2, "Wifi", "Signal") => new ParsedValue("Wifi Signal", number, "dBm"),
                _ => (ParsedValue?)null,
            } is { } value)
            {
                values.Add(value);
            }
        }

        return ConventionReading.Readings(device, values, state: string.IsNullOrEmpty(state) ? null : state);
    }

    /// <summary><c>tele/…/SENSOR</c>: every number of every sensor, named by its path (<c>ENERGY Power</c>).</summary>
    private static ConventionReading Sensor(string device, ReadOnlySpan<byte> payload, DateTimeOffset arrived)
    {
        if (FirmwareJson.ReadObject(payload, maxDepth: 4) is not { } leaves)
        {
            return ConventionReading.NotTelemetry(device);
        }

        string? temperatureUnit = null, pressureUnit = "hPa", time = null;
        foreach (var leaf in leaves)
        {
            switch (leaf.Path.Length == 1 ? leaf.Key : null)
            {
                case "TempUnit":
                    temperatureUnit = leaf.Text switch { "C" => "°C", "F" => "°F", _ => null };
                    break;
                case "PressureUnit" when !string.IsNullOrWhiteSpace(leaf.Text):
                    pressureUnit = leaf.Text;
                    break;
                case "Time":
                    time = leaf.Text;
                    break;
                default:
                    break;
            }
        }

        var values = new List<ParsedValue>();
        foreach (var leaf in leaves)
        {
            var number = leaf.Number ?? FirmwareText.SwitchValue(leaf.Text); // "Switch1":"ON"
            if (number is not { } value || (leaf.Path.Length == 1 && leaf.Key is "Time" or "TempUnit" or "PressureUnit" or "SpeedUnit")
                || (leaf.Path[0] == "ZbReceived" && leaf.Key is "Endpoint" or "Group")) // a Zigbee message's address, not a reading
            {
                continue;
            }

            values.Add(new(string.Join(' ', leaf.Path), value, UnitOf(leaf.Path, temperatureUnit, pressureUnit)));
        }

        return ConventionReading.Readings(device, values, FirmwareText.ZonedTime(time, arrived));
    }

    /// <summary>The unit of a sensor field, by its name (the last key that is not an array index), as Tasmota documents it.</summary>
    private static string? UnitOf(string[] path, string? temperatureUnit, string pressureUnit)
    {
        var field = path.LastOrDefault(key => key.Length > 0 && !char.IsAsciiDigit(key[0])) ?? "";
        var energy = path[0] == "ENERGY";
        return field switch
        {
            "Temperature" or "DewPoint" => temperatureUnit ?? (path[0] == "ZbReceived" ? "°C" : null), // Zigbee's are °C; no TempUnit comes with them
            "LinkQuality" when path[0] == "ZbReceived" => "lqi",
            "Distance" when path[0] == "SR04" => "cm",
            "Distance" when path[0].StartsWith("VL53L", StringComparison.Ordinal) => "mm",
            "Humidity" or "Moisture" => "%",
            "Pressure" or "SeaPressure" => pressureUnit,
            "Illuminance" => "lx",
            "CarbonDioxide" or "eCO2" => "ppm",
            "TVOC" => "ppb",
            "PM1" or "PM2.5" or "PM10" => "µg/m³",
            "Power" or "ActivePower" => "W",
            "ApparentPower" => "VA",
            "ReactivePower" => "var",
            "Voltage" => "V",
            "Current" => "A",
            "Frequency" => "Hz",
            "Total" or "Today" or "Yesterday" when energy => "kWh",
            "Period" when energy => "Wh",
            _ => null,
        };
    }
}
