using System.Text;
using System.Text.Unicode;
using Dashboard.Readings;

namespace Dashboard.Devices.Conventions;

/// <summary>
/// Shelly's MQTT (shelly-api-docs.shelly.cloud). The device is the Shelly's topic prefix, the same for all its topics
/// and both generations: <c>shellies/&lt;id&gt;</c> for Gen1, the configured <c>topic_prefix</c> (by default its id,
/// <c>shellyplus1pm-a8032ab12345</c>) for Gen2 and later.
/// </summary>
/// <remarks>
/// <para>Gen1: <c>shellies/&lt;id&gt;/online</c> true/false is presence (its retained will); every other level below the
/// id is one value, named by its levels (<c>relay/0/power</c> → <c>relay 0 power</c>; <c>sensor/temperature</c> →
/// <c>temperature</c>), on/off, true/false and open/close as 1/0. Energy counters in watt-minutes (<c>…/energy</c>,
/// <c>…/returned_energy</c>) are turned into Wh. JSON reports (<c>announce</c>, <c>info</c>, <c>input_event</c>, light
/// status), <c>shellies/announce</c> and anything under a <c>command</c> level are not telemetry.</para>
/// <para>Gen2+: <c>&lt;prefix&gt;/online</c> true/false is presence; <c>&lt;prefix&gt;/status/&lt;component&gt;:&lt;n&gt;</c>
/// (published when "generic status update over MQTT" is on) is read by component: <c>switch:0</c> → <c>switch 0</c> (the
/// output, 1/0), <c>switch 0 power</c> W, <c>… voltage</c> V, <c>… current</c> A, <c>… energy</c> Wh …;
/// <c>temperature:0</c> → <c>temperature</c> °C and <c>temperature_f</c> °F; <c>humidity:0</c> → <c>humidity</c> %;
/// <c>devicepower:0</c> → <c>battery</c> %. <c>events/rpc</c> (notifications), <c>rpc</c> (requests and replies) and
/// <c>command</c> are not telemetry.</para>
/// </remarks>
public sealed class ShellyConvention : IDeviceConvention
{
    private const string Gen1Root = "shellies/";

    /// <summary>Gen2 components whose instances are channels (numbered as on the device), the others are sensors.</summary>
    private static readonly HashSet<string> Channels = new(StringComparer.Ordinal)
    {
        "switch", "cover", "light", "rgb", "rgbw", "cct", "input", "pm1", "em", "em1", "emdata", "em1data", "number", "boolean",
    };

    /// <summary>Gen2 components that exist once and so have no <c>:n</c> (<c>status/sys</c>); all others do (<c>status/temperature:0</c>).</summary>
    private static readonly HashSet<string> Singletons = new(StringComparer.Ordinal)
    {
        "sys", "wifi", "cloud", "mqtt", "ble", "eth", "ws", "ui", "ht_ui", "knx", "plugs_ui",
    };

    public ConventionReading? Read(string topic, ReadOnlySpan<byte> payload, DateTimeOffset arrived)
    {
        if (topic.EndsWith("/online", StringComparison.Ordinal))
        {
            return Presence(topic[..^"/online".Length], payload);
        }

        return Gen2(topic, payload) ?? (topic.StartsWith(Gen1Root, StringComparison.Ordinal) ? Gen1(topic, payload) : null);
    }

    /// <summary><c>&lt;prefix&gt;/online</c>, both generations: only <c>true</c>/<c>false</c>, so another firmware's <c>…/online</c> stays its own.</summary>
    private static ConventionReading? Presence(string device, ReadOnlySpan<byte> payload)
    {
        var text = payload.Trim(" \t\r\n"u8);
        return device.Length == 0 || device.EndsWith('/') ? null
            : text.SequenceEqual("true"u8) ? ConventionReading.PresenceOf(device, true)
            : text.SequenceEqual("false"u8) ? ConventionReading.PresenceOf(device, false)
            : device.StartsWith(Gen1Root, StringComparison.Ordinal) ? ConventionReading.NotTelemetry(device)
            : null;
    }

    private static ConventionReading Gen1(string topic, ReadOnlySpan<byte> payload)
    {
        var levels = topic.Split('/');
        if (levels.Length < 3 || levels[1].Length == 0)
        {
            return ConventionReading.NotTelemetry("shellies"); // shellies/announce, shellies/command: to or from all Shellies
        }

        var device = $"shellies/{levels[1]}";
        var path = levels[2..];
        var text = payload.Trim(" \t\r\n"u8);
        if (path[0] is "announce" or "info" or "input_event" || path.Contains("command") || path.Contains("")
            || text.IsEmpty || text.Length > 64 || text[0] is (byte)'{' or (byte)'[' || !Utf8.IsValid(text))
        {
            return ConventionReading.NotTelemetry(device);
        }

        var word = Encoding.UTF8.GetString(text);
        var field = path.LastOrDefault(level => !char.IsAsciiDigit(level[0])) ?? "";
        var parsed = PayloadParser.Parse(field, text, default);
        var numeric = parsed.Kind == PayloadKind.Number;
        double? value = numeric ? parsed.Values[0].Value
            : path[0] == "roller" ? null // open/close/stop is the roller's last move, not a position
            : FirmwareText.SwitchValue(word) ?? (word == "overpower" ? 0 : null);
        if (value is not { } reading)
        {
            return ConventionReading.Readings(device, [], state: word); // illumination "dark", temperature_status "High" …
        }

        var (unit, scale) = Gen1Unit(field);
        var metric = string.Join(' ', path[0] == "sensor" && path.Length > 1 ? path[1..] : path);
        return ConventionReading.Readings(device, [new ParsedValue(metric, reading * scale, unit)], state: numeric ? null : word);
    }

    private static (string? Unit, double Scale) Gen1Unit(string field) => field switch
    {
        "power" or "overpower_value" => ("W", 1),
        "reactive_power" => ("var", 1),
        "energy" or "returned_energy" => ("Wh", 1.0 / 60), // Gen1 counts watt-minutes
        "total" or "total_returned" => ("Wh", 1),
        "voltage" or "adc" => ("V", 1),
        "current" => ("A", 1),
        "temperature" or "ext_temperature" => ("°C", 1), // the H&T can be set to °F; its default is °C
        "temperature_f" or "ext_temperature_f" => ("°F", 1),
        "humidity" or "ext_humidity" or "battery" or "pos" or "brightness" => ("%", 1),
        "lux" => ("lx", 1),
        "tilt" => ("°", 1),
        "concentration" => ("ppm", 1),
        _ => (null, 1),
    };

    /// <summary>Gen2+ topics below a prefix: <c>status/&lt;component&gt;</c>, <c>events/rpc</c>, <c>rpc</c>, <c>command[/&lt;component&gt;]</c>.</summary>
    private static ConventionReading? Gen2(string topic, ReadOnlySpan<byte> payload)
    {
        if (topic.EndsWith("/events/rpc", StringComparison.Ordinal))
        {
            return Prefix(topic[..^"/events/rpc".Length]);
        }

        if (topic.EndsWith("/rpc", StringComparison.Ordinal))
        {
            return Prefix(topic[..^"/rpc".Length]);
        }

        var slash = topic.LastIndexOf('/');
        var before = slash > 0 ? topic.LastIndexOf('/', slash - 1) : -1;
        if (before <= 0 || !ParseComponent(topic[(slash + 1)..], out var type, out var id))
        {
            return null;
        }

        var device = topic[..before];
        return topic.AsSpan(before + 1, slash - before - 1) switch
        {
            "command" => Prefix(device),
            "status" => Status(device, type, id, payload),
            _ => null,
        };

        static ConventionReading? Prefix(string device) => device.Length > 0 ? ConventionReading.NotTelemetry(device) : null;
    }

    /// <summary><c>switch:0</c> → (switch, 0); <c>sys</c> → (sys, null); false for what is not a Shelly component name.</summary>
    private static bool ParseComponent(string name, out string type, out int? id)
    {
        var colon = name.IndexOf(':');
        type = colon < 0 ? name : name[..colon];
        id = colon >= 0 && int.TryParse(name.AsSpan(colon + 1), out var n) && n >= 0 ? n : null;
        return type.Length > 0 && char.IsAsciiLetterLower(type[0]) && type.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_')
            && (colon < 0 ? Singletons.Contains(type) : id is not null);
    }

    private static ConventionReading Status(string device, string type, int? id, ReadOnlySpan<byte> payload)
    {
        if (FirmwareJson.ReadObject(payload, maxDepth: 2) is not { } leaves)
        {
            return ConventionReading.NotTelemetry(device);
        }

        var channel = Channels.Contains(type);
        var index = id ?? 0;
        var values = new List<ParsedValue>();
        foreach (var leaf in leaves)
        {
            if (leaf.Number is not { } number || Gen2Field(type, string.Join('.', leaf.Path)) is not ({ } name, var unit))
            {
                continue;
            }

            // Channels keep their number as the device labels them (switch 0); a lone sensor is just "temperature".
            var metric = channel ? (name.Length == 0 ? $"{type} {index}" : $"{type} {index} {name}")
                : index == 0 ? name : $"{name} {index}";
            values.Add(new(metric, number, unit));
        }

        return ConventionReading.Readings(device, values);
    }

    /// <summary>A Gen2 status field's metric (empty: the channel itself) and unit, as the component pages document them.</summary>
    private static (string Name, string? Unit)? Gen2Field(string type, string path) => (type, path) switch
    {
        ("temperature", "tC") => ("temperature", "°C"),
        ("temperature", "tF") => ("temperature_f", "°F"),
        ("humidity", "rh") => ("humidity", "%"),
        ("devicepower", "battery.percent") => ("battery", "%"),
        ("devicepower", "battery.V") => ("battery voltage", "V"),
        ("devicepower", "external.present") => ("external power", null),
        ("illuminance", "lux") => ("illuminance", "lx"),
        ("voltmeter", "voltage") => ("voltage", "V"),
        ("smoke" or "flood", "alarm") => (type, null),
        ("sys", "uptime") => ("uptime", "s"),
        ("wifi", "rssi") => ("wifi rssi", "dBm"),
        ("number" or "boolean", "value") => ("", null),
        ("em" or "emdata" or "em1data", _) => EnergyMeterField(path),
        (_, "output" or "state") when Channels.Contains(type) => ("", null),
        (_, "apower" or "act_power") => ("power", "W"),
        (_, "aprt_power") => ("apparent power", "VA"),
        (_, "voltage") => ("voltage", "V"),
        (_, "current") => ("current", "A"),
        (_, "freq") => ("frequency", "Hz"),
        (_, "pf") => ("power factor", null),
        (_, "aenergy.total") => ("energy", "Wh"),
        (_, "ret_aenergy.total") => ("returned energy", "Wh"),
        (_, "temperature.tC") => ("temperature", "°C"),
        (_, "current_pos") => ("position", "%"),
        (_, "brightness" or "percent") => (path, "%"),
        _ => null,
    };

    /// <summary>The three-phase meters' flat fields (<c>a_act_power</c>, <c>total_act</c> …): named as sent, unit by suffix.</summary>
    private static (string Name, string? Unit)? EnergyMeterField(string field)
    {
        string? unit = field.EndsWith("_voltage", StringComparison.Ordinal) ? "V"
            : field.EndsWith("_current", StringComparison.Ordinal) ? "A"
            : field.EndsWith("_act_power", StringComparison.Ordinal) ? "W"
            : field.EndsWith("_aprt_power", StringComparison.Ordinal) ? "VA"
            : field.EndsWith("_freq", StringComparison.Ordinal) ? "Hz"
            : field.EndsWith("_energy", StringComparison.Ordinal) || field is "total_act" or "total_act_ret" ? "Wh"
            : field.EndsWith("_pf", StringComparison.Ordinal) ? ""
            : null;
        return unit is null || field.Contains('.') ? null : (field, unit.Length == 0 ? null : unit);
    }
}
