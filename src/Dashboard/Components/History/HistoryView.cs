using Dashboard.History;

namespace Dashboard.Components.History;

/// <summary>
/// What the History page shows: the stored series, those picked, the range, a zoom, the custom-range panel. Pure: each
/// change returns the next view and, when the change is made through the address, the link to navigate to (the page
/// then arrives at it through <see cref="WithAddress"/>).
/// </summary>
internal sealed record HistoryView
{
    /// <summary>The range buttons' key for a custom (or zoomed) range.</summary>
    public const string Custom = "custom";

    public const int MaxSelected = 8;

    /// <summary>Every stored series; null until read.</summary>
    public IReadOnlyList<HistorySeriesInfo>? Available { get; init; }

    /// <summary>Devices with more than one series, for the picker.</summary>
    public IReadOnlyList<PickerItem> Devices { get; init; } = [];

    public IReadOnlyList<HistorySeriesInfo> Selected { get; init; } = [];

    /// <summary>The preset range that follows the clock; null for a custom or zoomed range.</summary>
    public RangePreset? Preset { get; init; } = RangePreset.Default;

    public DateTimeOffset From { get; init; }

    public DateTimeOffset To { get; init; }

    public HistoryZoom? Zoom { get; init; }

    public bool CustomOpen { get; init; }

    public string? CustomError { get; init; }

    public bool IsZoomed => Zoom is not null;

    public bool IsFull => Selected.Count >= MaxSelected;

    /// <summary>The lit range button.</summary>
    public string RangeKey => CustomOpen ? Custom : Zoom?.BaseKey ?? Preset?.Key ?? Custom;

    /// <summary>A preset range with series shown moves on with the clock; a zoomed one stays put.</summary>
    public bool FollowsClock => Preset is not null && !IsZoomed && Selected.Count > 0;

    public static SeriesKey Key(HistorySeriesInfo series) => new(series.Topic, series.Metric);

    /// <summary>A zoom is forgotten when the page is at another address (left by a link, back, or the menu).</summary>
    public HistoryView KeepZoomOnlyAt(string relativeUri) => Zoom is { } zoom && relativeUri != zoom.Uri ? this with { Zoom = null } : this;

    /// <summary>The view <paramref name="address"/> names, among the series <paramref name="available"/>; unknown series are left out.</summary>
    public HistoryView WithAddress(HistoryAddress address, IReadOnlyList<HistorySeriesInfo> available, DateTimeOffset now)
    {
        var byKey = available.ToDictionary(Key);
        var view = this with
        {
            Available = available,
            Devices = PickerItem.Devices(available),
            Selected = [.. (address.Series ?? []).Select(SeriesKey.Parse).OfType<SeriesKey>().Distinct()
                .Select(k => byKey.GetValueOrDefault(k)).OfType<HistorySeriesInfo>().Take(MaxSelected)],
        };

        var (from, to) = (HistoryLink.ParseTime(address.From), HistoryLink.ParseTime(address.To));
        return address.Range is null && from is { } f && to is { } t && f < t
            ? view with { Preset = null, From = f, To = t, CustomOpen = !IsZoomed }
            : (view with { Preset = RangePreset.Find(address.Range) ?? RangePreset.Default, CustomOpen = false }).At(now);
    }

    /// <summary>A preset range ending at <paramref name="now"/>; a custom or zoomed range does not move.</summary>
    public HistoryView At(DateTimeOffset now) => Preset is null ? this : this with { From = now - Preset.Span, To = now };

    /// <summary>What the picker offers for <paramref name="text"/>: devices and series not picked yet.</summary>
    public IEnumerable<PickerItem> Search(string? text)
    {
        var chosen = Selected.Select(Key).ToHashSet();
        var devices = Devices.Where(d => d.DeviceSeries.Any(s => !chosen.Contains(Key(s))));
        var series = (Available ?? []).Where(s => !chosen.Contains(Key(s)));
        return PickerItem.Search(text, devices, series);
    }

    /// <summary>The selection with <paramref name="item"/>'s series added after it, up to <see cref="MaxSelected"/>.</summary>
    public IReadOnlyList<HistorySeriesInfo> SelectionWith(PickerItem item)
    {
        var added = item.Series is { } one ? [one] : item.DeviceSeries;
        return [.. Selected.Concat(added.Where(s => !Selected.Contains(s))).Take(MaxSelected)];
    }

    public IReadOnlyList<HistorySeriesInfo> SelectionWithout(HistorySeriesInfo series) => [.. Selected.Where(s => s != series)];

    /// <summary>The same range (preset, custom or zoomed) with <paramref name="selected"/> instead.</summary>
    public (HistoryView View, string Link) ShowSeries(IReadOnlyList<HistorySeriesInfo> selected)
    {
        var keys = selected.Select(Key);
        var link = Preset is null ? HistoryLink.For(keys, null, From, To) : HistoryLink.For(keys, Preset);
        return (Zoom is { } zoom ? this with { Zoom = zoom with { Uri = link } } : this, link);
    }

    /// <summary>A range button: the custom one opens the custom panel (no link); a preset leaves any zoom.</summary>
    public (HistoryView View, string? Link) SelectRange(string key) =>
        key == Custom
            ? (this with { CustomOpen = true, CustomError = null }, null)
            : (this with { CustomOpen = false, Zoom = null }, HistoryLink.For(Selected.Select(Key), RangePreset.Find(key) ?? RangePreset.Default));

    /// <summary>The custom panel's times (Unix milliseconds, null when not entered): the link, or no link and an error.</summary>
    public (HistoryView View, string? Link) ApplyCustom(long? from, long? to)
    {
        if (from is null || to is null)
        {
            return (this with { CustomError = "Enter both times." }, null);
        }

        if (from >= to)
        {
            return (this with { CustomError = "From must be before To." }, null);
        }

        var link = HistoryLink.For(Selected.Select(Key), null,
            DateTimeOffset.FromUnixTimeMilliseconds(from.Value), DateTimeOffset.FromUnixTimeMilliseconds(to.Value));
        return (this with { CustomError = null, Zoom = null }, link);
    }

    /// <summary>Zooms into a dragged range; the first zoom remembers <paramref name="currentUri"/> to zoom out to.</summary>
    public (HistoryView View, string Link) ZoomTo(DateTimeOffset from, DateTimeOffset to, string currentUri)
    {
        var link = HistoryLink.For(Selected.Select(Key), null, from, to);
        var zoom = Zoom is { } zoomed ? zoomed with { Uri = link } : new HistoryZoom(link, currentUri, RangeKey);
        return (this with { Zoom = zoom, CustomOpen = false }, link);
    }

    /// <summary>Leaves the zoom; the link back is null when not zoomed.</summary>
    public (HistoryView View, string? Link) ResetZoom() => (this with { Zoom = null }, Zoom?.Before);

    public string CsvLink(HistorySeriesInfo series) => HistoryLink.Csv(Key(series), From, To);

    public string ChartLabel(string? rangeText) =>
        Selected.Count == 0 ? "Chart, no series" : $"Chart of {string.Join(", ", Selected.Select(s => s.Metric))}, {rangeText}";
}
