using Dashboard.Components.Charts;
using Dashboard.History;

namespace Dashboard.Components.History;

/// <summary>
/// Turns stored series into chart lines: labels that tell series apart, bands for downsampled data, breaks where data
/// stops, and a time axis that spans the whole range asked for.
/// </summary>
public static class HistoryChartData
{
    /// <summary>A gap this many times the usual spacing of a series' points breaks its line, so an outage is not drawn as a slope.</summary>
    public const int GapFactor = 3;

    /// <summary>
    /// Each series' metric; where several selected series share a metric name, "metric · what tells them apart": their
    /// devices (or else their topics) without the levels they all share, e.g. "temperature · kitchen" and
    /// "temperature · garage" for home/kitchen and home/garage. Short, so the legend fits a phone.
    /// </summary>
    public static IReadOnlyList<string> Labels(IReadOnlyList<HistorySeriesInfo> series)
    {
        var labels = series.Select(s => s.Metric).ToArray();
        foreach (var group in series.Select((s, i) => (s, i)).GroupBy(x => x.s.Metric, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            var members = group.ToList();
            var devices = members.Select(m => m.s.DeviceId ?? m.s.Topic).ToList();
            var names = devices.Distinct(StringComparer.Ordinal).Count() == devices.Count ? devices : [.. members.Select(m => m.s.Topic)];
            var distinct = WithoutSharedLevels(names);
            for (var k = 0; k < members.Count; k++)
            {
                labels[members[k].i] = $"{group.Key} · {distinct[k]}";
            }
        }

        return labels;
    }

    /// <summary>The names without the leading and trailing topic levels they all have in common (never emptied).</summary>
    internal static IReadOnlyList<string> WithoutSharedLevels(IReadOnlyList<string> names)
    {
        var levels = names.Select(n => n.Split('/')).ToList();
        var shortest = levels.Min(l => l.Length);
        var prefix = 0;
        while (prefix < shortest - 1 && levels.All(l => l[prefix] == levels[0][prefix]))
        {
            prefix++;
        }

        var suffix = 0;
        while (suffix < shortest - prefix - 1 && levels.All(l => l[^(suffix + 1)] == levels[0][^(suffix + 1)]))
        {
            suffix++;
        }

        return [.. levels.Select(l => string.Join('/', l[prefix..^suffix]))];
    }

    public static ChartSeries ToChartSeries(HistorySeriesData data, string label)
    {
        var points = data.Points;
        var spacing = Spacing(data);
        var band = points.Any(p => p.Count > 1);
        var times = new List<DateTimeOffset>(points.Count + 8);
        var values = new List<double?>(points.Count + 8);
        var min = band ? new List<double?>(points.Count + 8) : null;
        var max = band ? new List<double?>(points.Count + 8) : null;
        void Gap(long time)
        {
            times.Add(DateTimeOffset.FromUnixTimeMilliseconds(time));
            values.Add(null);
            min?.Add(null);
            max?.Add(null);
        }

        // Empty ends at the range's edges make the time axis span the range asked for, not just the data in it.
        var (from, to) = (data.From.ToUnixTimeMilliseconds(), data.To.ToUnixTimeMilliseconds());
        if (points.Count > 0 && points[0].Time > from)
        {
            Gap(from);
        }

        for (var i = 0; i < points.Count; i++)
        {
            var p = points[i];
            if (i > 0 && spacing > 0 && p.Time - points[i - 1].Time > GapFactor * spacing)
            {
                Gap(points[i - 1].Time + spacing);
            }

            times.Add(DateTimeOffset.FromUnixTimeMilliseconds(p.Time));
            values.Add(p.Value);
            min?.Add(p.Min);
            max?.Add(p.Max);
        }

        if (points.Count > 0 && points[^1].Time < to)
        {
            Gap(to);
        }

        return new ChartSeries(label, data.Series.Unit, times, values, min, max);
    }

    /// <summary>The usual distance between points in ms: the bucket width when downsampled, else the median interval.</summary>
    internal static long Spacing(HistorySeriesData data)
    {
        if (data.BucketWidth > TimeSpan.Zero)
        {
            return (long)data.BucketWidth.TotalMilliseconds;
        }

        var points = data.Points;
        if (points.Count < 3)
        {
            return 0;
        }

        var intervals = new long[points.Count - 1];
        for (var i = 1; i < points.Count; i++)
        {
            intervals[i - 1] = points[i].Time - points[i - 1].Time;
        }

        Array.Sort(intervals);
        return Math.Max(1, intervals[intervals.Length / 2]);
    }
}
