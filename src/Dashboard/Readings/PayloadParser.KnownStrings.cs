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
