using Dashboard.Components.Charts;
using Dashboard.Components.History;
using Dashboard.History;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using Microsoft.JSInterop;
using MudBlazor;

namespace Dashboard.Components.Pages;

/// <summary>
/// Stored readings on one chart: series picked by device or metric, a preset or custom range, drag to zoom (which
/// reads finer data for the new range), CSV export. Its state lives in the address, so a chart can be bookmarked.
/// </summary>
public sealed partial class History : IAsyncDisposable
{
    private const string Custom = "custom";
    private const int MaxSelected = 8;
    private const int MaxPoints = 1000;
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(30);

    private IReadOnlyList<HistorySeriesInfo>? _available;
    private List<PickerItem> _devices = [];
    private List<HistorySeriesInfo> _selected = [];
    private RangePreset? _preset = RangePreset.Default;
    private DateTimeOffset _from;
    private DateTimeOffset _to;
    private bool _zoomed;
    private string? _zoomUri;
    private string? _beforeZoom;
    private string? _zoomBaseKey;
    private bool _customOpen;
    private string? _customFrom;
    private string? _customTo;
    private string? _customError;
    private IReadOnlyList<ChartSeries> _chart = [];
    private string? _rangeText;
    private string? _resolutionText;
    private bool _loading;
    private int _loadVersion;
    private MudAutocomplete<PickerItem>? _picker;
    private IJSObjectReference? _module;

    [Inject] private HistoryQueries Queries { get; set; } = null!;
    [Inject] private NavigationManager Navigation { get; set; } = null!;
    [Inject] private IJSRuntime JS { get; set; } = null!;
    [Inject] private TimeProvider Clock { get; set; } = null!;
    [Inject] private IOptions<HistoryOptions> Options { get; set; } = null!;
    [Inject] private HistoryStats Stats { get; set; } = null!;

    [SupplyParameterFromQuery(Name = "series")] public string[]? SeriesQuery { get; set; }
    [SupplyParameterFromQuery(Name = "range")] public string? RangeQuery { get; set; }
    [SupplyParameterFromQuery(Name = "from")] public string? FromQuery { get; set; }
    [SupplyParameterFromQuery(Name = "to")] public string? ToQuery { get; set; }

    private string RangeKey => _customOpen ? Custom : _zoomed ? _zoomBaseKey ?? Custom : _preset?.Key ?? Custom;

    private string RawDays => $"{Options.Value.RawRetention.TotalDays:0.#} days";

    private string ChartLabel => _selected.Count == 0 ? "Chart, no series" : $"Chart of {string.Join(", ", _selected.Select(s => s.Metric))}, {_rangeText}";

    private static SeriesKey Key(HistorySeriesInfo series) => new(series.Topic, series.Metric);

    protected override async Task OnParametersSetAsync()
    {
        // Prerendering shows the progress bar only: the data is read once, for the interactive render.
        if (!RendererInfo.IsInteractive)
        {
            return;
        }

        if (_zoomed && Navigation.ToBaseRelativePath(Navigation.Uri) != _zoomUri)
        {
            ClearZoom(); // left the zoomed chart some other way (a link, back, the menu)
        }

        _available = await Queries.SeriesAsync();
        _devices = PickerItem.Devices(_available);
        var byKey = _available.ToDictionary(Key);
        _selected = [.. (SeriesQuery ?? []).Select(SeriesKey.Parse).OfType<SeriesKey>().Distinct()
            .Select(k => byKey.GetValueOrDefault(k)).OfType<HistorySeriesInfo>().Take(MaxSelected)];

        var (from, to) = (HistoryLink.ParseTime(FromQuery), HistoryLink.ParseTime(ToQuery));
        if (RangeQuery is null && from is { } f && to is { } t && f < t)
        {
            (_preset, _from, _to) = (null, f, t);
            _customOpen = !_zoomed;
            if (_customOpen)
            {
                await FillCustomAsync();
            }
        }
        else
        {
            _preset = RangePreset.Find(RangeQuery) ?? RangePreset.Default;
            _customOpen = false;
            SetPresetRange();
        }

        if (!_zoomed)
        {
            _beforeZoom = null;
        }

        await LoadAsync();
    }

    /// <summary>A preset range follows the clock: every half minute it moves on and new readings come in.</summary>
    protected override void Subscribe()
    {
        if (RendererInfo.IsInteractive)
        {
            Every(RefreshInterval, FollowClockAsync, Clock);
        }
    }

    private async Task FollowClockAsync()
    {
        if (_preset is not null && !_zoomed && _selected.Count > 0 && !_loading)
        {
            SetPresetRange();
            await LoadAsync();
        }
    }

    private void SetPresetRange()
    {
        _to = Clock.GetUtcNow();
        _from = _to - _preset!.Span;
    }

    private async Task LoadAsync()
    {
        var version = ++_loadVersion;
        var selected = _selected.ToList();
        var (from, to) = (_from, _to);
        _loading = true;
        var data = await Task.WhenAll(selected.Select(s => Queries.ReadAsync(s, from, to, MaxPoints)));
        var rangeText = await RangeTextAsync(from, to);
        if (version != _loadVersion)
        {
            return; // a newer load has started meanwhile: its result wins
        }

        var labels = HistoryChartData.Labels(selected);
        _chart = [.. data.Select((d, i) => HistoryChartData.ToChartSeries(d, labels[i]))];
        _rangeText = rangeText;
        _resolutionText = ResolutionText(data);
        _loading = false;
    }

    private async Task<string> RangeTextAsync(DateTimeOffset from, DateTimeOffset to)
    {
        var fallback = $"{HistoryLink.Iso(from)} – {HistoryLink.Iso(to)} (UTC)";
        try
        {
            _module ??= await JS.InvokeAsync<IJSObjectReference>("import", "./js/history.js");
            return await _module.InvokeAsync<string?>("formatRange", from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds()) ?? fallback;
        }
        catch (JSDisconnectedException)
        {
            return fallback;
        }
    }

    /// <summary>Readings that were not stored since start, and why; null when none were lost.</summary>
    private string? LostText()
    {
        var reasons = new List<string>();
        if (Stats.Dropped > 0)
        {
            reasons.Add($"{Stats.Dropped:N0} because the database fell behind (History:BufferCapacity)");
        }

        if (Stats.SeriesDropped > 0)
        {
            reasons.Add($"{Stats.SeriesDropped:N0} of series beyond History:MaxSeries");
        }

        if (Stats.Failed > 0)
        {
            reasons.Add($"{Stats.Failed:N0} in batches the database refused");
        }

        return reasons.Count == 0 ? null : $"Not every reading was stored since the dashboard started: {string.Join("; ", reasons)}. The log has details.";
    }

    private static string ResolutionText(IReadOnlyList<HistorySeriesData> data)
    {
        var points = data.Sum(d => d.Points.Count);
        if (points == 0)
        {
            return "No readings of these series in this range.";
        }

        var coarsest = data.MaxBy(d => d.BucketWidth)!;
        var source = coarsest.Resolution switch
        {
            HistoryResolution.Raw => "raw readings",
            HistoryResolution.Minute => "per-minute rollups",
            _ => "hourly rollups",
        };
        var readings = data.Sum(d => d.Points.Sum(p => p.Count));
        return coarsest.BucketWidth > TimeSpan.Zero
            ? $"{readings:N0} readings from {source}, one point per {Duration(coarsest.BucketWidth)}; the band shows each point's min–max. Drag across the chart to zoom in, double-click to zoom out."
            : $"{readings:N0} readings, as stored. Drag across the chart to zoom in, double-click to zoom out.";
    }

    internal static string Duration(TimeSpan span) => span switch
    {
        { TotalDays: >= 1 } when span.Hours == 0 => $"{span.TotalDays:0} d",
        { TotalDays: >= 1 } => $"{(int)span.TotalDays} d {span.Hours} h",
        { TotalHours: >= 1 } when span.Minutes == 0 => $"{span.TotalHours:0} h",
        { TotalHours: >= 1 } => $"{(int)span.TotalHours} h {span.Minutes} min",
        { TotalMinutes: >= 1 } when span.Seconds == 0 => $"{span.TotalMinutes:0} min",
        { TotalMinutes: >= 1 } => $"{(int)span.TotalMinutes} min {span.Seconds} s",
        _ => $"{span.TotalSeconds:0.###} s",
    };

    private Task<IEnumerable<PickerItem>> Search(string? text, CancellationToken cancellationToken)
    {
        var chosen = _selected.Select(Key).ToHashSet();
        var devices = _devices.Where(d => d.DeviceSeries.Any(s => !chosen.Contains(Key(s))));
        var series = (_available ?? []).Where(s => !chosen.Contains(Key(s)));
        return Task.FromResult(PickerItem.Search(text, devices, series));
    }

    private async Task AddAsync(PickerItem? item)
    {
        if (item is null)
        {
            return;
        }

        var added = item.Series is { } one ? [one] : item.DeviceSeries;
        var selected = _selected.Concat(added.Where(s => !_selected.Contains(s))).Take(MaxSelected).ToList();
        if (_picker is not null)
        {
            await _picker.ClearAsync();
        }

        Go(selected);
    }

    private void Remove(HistorySeriesInfo series) => Go([.. _selected.Where(s => s != series)]);

    private async Task SelectRangeAsync(string key)
    {
        if (key == Custom)
        {
            _customOpen = true;
            _customError = null;
            await FillCustomAsync();
            return;
        }

        _customOpen = false;
        ClearZoom();
        Navigation.NavigateTo(HistoryLink.For(_selected.Select(Key), RangePreset.Find(key) ?? RangePreset.Default), replace: true);
    }

    /// <summary>The custom range's fields show the range on the chart, in the browser's local time.</summary>
    private async Task FillCustomAsync()
    {
        try
        {
            _module ??= await JS.InvokeAsync<IJSObjectReference>("import", "./js/history.js");
            _customFrom = await _module.InvokeAsync<string>("toLocalInput", _from.ToUnixTimeMilliseconds());
            _customTo = await _module.InvokeAsync<string>("toLocalInput", _to.ToUnixTimeMilliseconds());
        }
        catch (JSDisconnectedException)
        {
        }
    }

    private async Task ApplyCustomAsync()
    {
        _module ??= await JS.InvokeAsync<IJSObjectReference>("import", "./js/history.js");
        var from = string.IsNullOrEmpty(_customFrom) ? null : await _module.InvokeAsync<long?>("fromLocalInput", _customFrom);
        var to = string.IsNullOrEmpty(_customTo) ? null : await _module.InvokeAsync<long?>("fromLocalInput", _customTo);
        if (from is null || to is null)
        {
            _customError = "Enter both times.";
            return;
        }

        if (from >= to)
        {
            _customError = "From must be before To.";
            return;
        }

        _customError = null;
        ClearZoom();
        Navigation.NavigateTo(HistoryLink.For(_selected.Select(Key), null,
            DateTimeOffset.FromUnixTimeMilliseconds(from.Value), DateTimeOffset.FromUnixTimeMilliseconds(to.Value)), replace: true);
    }

    private void Zoom((DateTimeOffset From, DateTimeOffset To) range)
    {
        if (!_zoomed)
        {
            _beforeZoom = Navigation.Uri;
            _zoomBaseKey = RangeKey;
            _zoomed = true;
        }

        _customOpen = false;
        var link = HistoryLink.For(_selected.Select(Key), null, range.From, range.To);
        _zoomUri = link;
        Navigation.NavigateTo(link, replace: true);
    }

    private void ResetZoom()
    {
        var back = _beforeZoom;
        ClearZoom();
        if (back is not null)
        {
            Navigation.NavigateTo(back, replace: true);
        }
    }

    private void ClearZoom()
    {
        _zoomed = false;
        _zoomUri = null;
        _beforeZoom = null;
        _zoomBaseKey = null;
    }

    /// <summary>The same range (preset, custom or zoomed) with other series.</summary>
    private void Go(List<HistorySeriesInfo> selected)
    {
        var link = _preset is null
            ? HistoryLink.For(selected.Select(Key), null, _from, _to)
            : HistoryLink.For(selected.Select(Key), _preset ?? RangePreset.Default);
        if (_zoomed)
        {
            _zoomUri = link; // still the zoomed range, with other series
        }

        Navigation.NavigateTo(link, replace: true);
    }

    // The renderer calls only DisposeAsync on a component that has both.
    public async ValueTask DisposeAsync()
    {
        Dispose();
        if (_module is not null)
        {
            await ChartInterop.ReleaseAsync(_module);
        }
    }
}
