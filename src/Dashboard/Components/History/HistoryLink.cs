using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;

namespace Dashboard.Components.History;

/// <summary>A preset range of the History page, relative to now.</summary>
public sealed record RangePreset(string Key, string Label, TimeSpan Span)
{
    public static readonly IReadOnlyList<RangePreset> All =
    [
        new("1h", "1 h", TimeSpan.FromHours(1)),
        new("6h", "6 h", TimeSpan.FromHours(6)),
        new("24h", "24 h", TimeSpan.FromHours(24)),
        new("7d", "7 d", TimeSpan.FromDays(7)),
        new("30d", "30 d", TimeSpan.FromDays(30)),
    ];

    public static RangePreset Default { get; } = All.First(p => p.Key == "24h");

    public static RangePreset? Find(string? key) => All.FirstOrDefault(p => string.Equals(p.Key, key, StringComparison.OrdinalIgnoreCase));
}

/// <summary>A (topic, metric) as the History page's address names it.</summary>
public readonly record struct SeriesKey(string Topic, string Metric)
{
    /// <summary><c>topic|metric</c>: split at the last <c>|</c>, as metric names (JSON keys, topic levels) rarely hold one.</summary>
    public static SeriesKey? Parse(string? text)
    {
        var bar = text?.LastIndexOf('|') ?? -1;
        return bar > 0 && bar < text!.Length - 1 ? new SeriesKey(text[..bar], text[(bar + 1)..]) : null;
    }

    public override string ToString() => $"{Topic}|{Metric}";
}

/// <summary>
/// The History page's state in its address, so a chart can be bookmarked and shared:
/// <c>/history?series=home/sensor1/temperature|temperature&amp;range=24h</c>, or <c>from</c>/<c>to</c> (ISO 8601 UTC) for a custom or zoomed range.
/// </summary>
public static class HistoryLink
{
    public static string For(IEnumerable<SeriesKey> series, RangePreset? preset, DateTimeOffset? from = null, DateTimeOffset? to = null)
    {
        var query = new List<KeyValuePair<string, string?>>();
        query.AddRange(series.Select(s => new KeyValuePair<string, string?>("series", s.ToString())));
        if (preset is not null)
        {
            query.Add(new("range", preset.Key));
        }
        else if (from is { } f && to is { } t)
        {
            query.Add(new("from", Iso(f)));
            query.Add(new("to", Iso(t)));
        }

        return QueryHelpers.AddQueryString("history", query);
    }

    /// <summary>The CSV export of one series over a range (the raw readings that are still kept).</summary>
    public static string Csv(SeriesKey series, DateTimeOffset from, DateTimeOffset to) =>
        QueryHelpers.AddQueryString("api/readings.csv", new Dictionary<string, string?>
        {
            ["topic"] = series.Topic,
            ["metric"] = series.Metric,
            ["from"] = Iso(from),
            ["to"] = Iso(to),
        });

    public static string Iso(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset? ParseTime(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time) ? time : null;
}
