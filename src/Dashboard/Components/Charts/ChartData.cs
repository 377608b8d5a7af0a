using System.Globalization;

namespace Dashboard.Components.Charts;

/// <summary>Turns component parameters into what charts.js expects, and numbers into text for screen readers.</summary>
internal static class ChartData
{
    /// <summary>Unix seconds, uPlot's unit for time.</summary>
    public static double[] Seconds(IReadOnlyList<DateTimeOffset> times, int start = 0)
    {
        var result = new double[times.Count - start];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = times[start + i].ToUnixTimeMilliseconds() / 1000.0;
        }
        return result;
    }

    public static DateTimeOffset FromSeconds(double seconds) =>
        DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(seconds * 1000));

    /// <summary>NaN and infinities become nulls (gaps): JSON has no way to carry them.</summary>
    public static double?[] Finite(IReadOnlyList<double> values, int start = 0)
    {
        var result = new double?[values.Count - start];
        for (var i = 0; i < result.Length; i++)
        {
            var v = values[start + i];
            result[i] = double.IsFinite(v) ? v : null;
        }
        return result;
    }

    public static double?[] Finite(IReadOnlyList<double?> values)
    {
        var result = new double?[values.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var v = values[i];
            result[i] = v is { } d && double.IsFinite(d) ? d : null;
        }
        return result;
    }

    public static string Number(double value) => Math.Abs(value) switch
    {
        >= 100 => value.ToString("#,0", CultureInfo.InvariantCulture),
        >= 1 => value.ToString("0.##", CultureInfo.InvariantCulture),
        _ => value.ToString("0.####", CultureInfo.InvariantCulture),
    };

    public static string WithUnit(double value, string? unit) =>
        string.IsNullOrEmpty(unit) ? Number(value) : $"{Number(value)} {unit}";

    /// <summary>"temperature, last 60 values, latest 23.5 °C".</summary>
    public static string Summary(string label, int count, double? latest, string? unit) => count == 0
        ? $"{label}, no data"
        : latest is { } v
            ? $"{label}, last {Words.Count(count, "value")}, latest {WithUnit(v, unit)}"
            : $"{label}, last {Words.Count(count, "value")}, latest missing";

    public static double? LastFinite(IReadOnlyList<double?> values)
    {
        for (var i = values.Count - 1; i >= 0; i--)
        {
            if (values[i] is { } v && double.IsFinite(v))
            {
                return v;
            }
        }
        return null;
    }
}
