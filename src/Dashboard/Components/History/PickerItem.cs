using Dashboard.History;

namespace Dashboard.Components.History;

/// <summary>What the History page's picker offers: one series, or a device with all its series.</summary>
public sealed record PickerItem(string Label, HistorySeriesInfo? Series, IReadOnlyList<HistorySeriesInfo> DeviceSeries)
{
    public int Count => DeviceSeries.Count;

    public static PickerItem For(HistorySeriesInfo series) => new($"{series.Metric} · {series.Topic}", series, []);

    /// <summary>Devices with more than one series, by name: picking one adds them all.</summary>
    public static List<PickerItem> Devices(IEnumerable<HistorySeriesInfo> series) =>
        [.. series.Where(s => s.DeviceId is not null)
            .GroupBy(s => s.DeviceId!, StringComparer.Ordinal)
            .Where(g => g.Count() > 1)
            .OrderBy(g => g.Key, StringComparer.OrdinalIgnoreCase)
            .Select(g => new PickerItem(g.Key, null, [.. g]))];

    /// <summary>Devices, then series, whose names contain every word of <paramref name="text"/> (any case).</summary>
    public static IEnumerable<PickerItem> Search(string? text, IEnumerable<PickerItem> devices, IEnumerable<HistorySeriesInfo> series)
    {
        var words = (text ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        bool Matches(string haystack) => words.All(w => haystack.Contains(w, StringComparison.OrdinalIgnoreCase));
        return devices.Where(d => Matches(d.Label))
            .Concat(series.Where(s => Matches($"{s.Metric} {s.Topic} {s.DeviceId}")).Select(For));
    }
}
