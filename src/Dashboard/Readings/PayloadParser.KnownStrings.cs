using System.Text;

namespace Dashboard.Readings;

// Units and state words that arrive all the time are returned as these instances instead of new strings.
public static partial class PayloadParser
{
    private static readonly string[] KnownStrings =
    [
        "°C", "°F", "°", "%", "K", "hPa", "Pa", "kPa", "mbar", "bar", "V", "mV", "A", "mA", "W", "kW", "Wh", "kWh",
        "Hz", "lx", "ppm", "ppb", "dB", "dBm", "m/s", "km/h", "mm", "cm", "m", "s", "ms", "g", "kg", "L", "µg/m³",
        "m³", "celsius", "fahrenheit",
        "ON", "OFF", "on", "off", "On", "Off", "true", "false", "True", "False", "TRUE", "FALSE",
        "yes", "no", "open", "closed", "OPEN", "CLOSED",
    ];

    private static readonly byte[][] KnownUtf8 = Array.ConvertAll(KnownStrings, Encoding.UTF8.GetBytes);

    /// <summary>Unit words as devices write them, and the symbol a reader expects (<c>"unit":"celsius"</c> → °C).</summary>
    private static readonly Dictionary<string, string> UnitNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["celsius"] = "°C",
        ["degC"] = "°C",
        ["°c"] = "°C",
        ["℃"] = "°C",
        ["degrees celsius"] = "°C",
        ["fahrenheit"] = "°F",
        ["degF"] = "°F",
        ["°f"] = "°F",
        ["℉"] = "°F",
        ["degrees fahrenheit"] = "°F",
        ["kelvin"] = "K",
        ["percent"] = "%",
        ["pct"] = "%",
        ["lux"] = "lx",
        ["hpa"] = "hPa",
        ["kpa"] = "kPa",
        ["kwh"] = "kWh",
        ["wh"] = "Wh",
        ["watt"] = "W",
        ["watts"] = "W",
        ["volt"] = "V",
        ["volts"] = "V",
        ["amp"] = "A",
        ["amps"] = "A",
        ["ampere"] = "A",
        ["amperes"] = "A",
        ["dbm"] = "dBm",
        ["kmh"] = "km/h",
        ["kph"] = "km/h",
        ["ug/m3"] = "µg/m³",
        ["µg/m3"] = "µg/m³",
        ["m3"] = "m³",
        ["hz"] = "Hz",
    };

    /// <summary>A unit as readers expect it: the known symbol for a unit word, else as sent.</summary>
    private static string Unit(ReadOnlySpan<byte> utf8)
    {
        var unit = Intern(utf8);
        return UnitNames.TryGetValue(unit, out var symbol) ? symbol : unit;
    }

    /// <summary>A unit a convention was given as text (a Sparkplug <c>engUnit</c>), as readers expect it.</summary>
    internal static string UnitSymbol(string unit) => UnitNames.TryGetValue(unit, out var symbol) ? symbol : unit;

    private static string Intern(ReadOnlySpan<byte> utf8)
    {
        var known = KnownUtf8;
        for (var i = 0; i < known.Length; i++)
        {
            if (utf8.SequenceEqual(known[i]))
            {
                return KnownStrings[i];
            }
        }

        return Encoding.UTF8.GetString(utf8);
    }
}
