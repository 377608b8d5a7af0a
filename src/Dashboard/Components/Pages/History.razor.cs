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
    private const int MaxPoints = 1000;
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(30);

    private HistoryView _view = new();
    private string? _customFrom; // the custom range's fields, in the browser's local time
    private string? _customTo;
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

    private string RawDays => Options.Value.RawRetention.TotalDays == 1 ? "1 day" : $"{Options.Value.RawRetention.TotalDays:0.#} days";

    protected override async Task OnParametersSetAsync()
    {
        // Prerendering shows the progress bar only: the data is read once, for the interactive render.
        if (!RendererInfo.IsInteractive)
        {
            return;
        }

        _view = _view.KeepZoomOnlyAt(Navigation.ToBaseRelativePath(Navigation.Uri));
        var available = await Queries.SeriesAsync();
        _view = _view.WithAddress(new HistoryAddress(SeriesQuery, RangeQuery, FromQuery, ToQuery), available, Clock.GetUtcNow());
        if (_view.CustomOpen)
        {
            await FillCustomAsync();
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
        if (_view.FollowsClock && !_loading)
        {
            _view = _view.At(Clock.GetUtcNow());
            await LoadAsync();
        }
    }

    private async Task LoadAsync()
    {
        var version = ++_loadVersion;
        var (selected, from, to) = (_view.Selected, _view.From, _view.To);
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
            ? $"{Words.Count(readings, "reading")} from {source}, one point per {Duration(coarsest.BucketWidth)}; the band shows each point's min–max. Drag across the chart to zoom in, double-click to zoom out."
            : $"{Words.Count(readings, "reading")}, as stored. Drag across the chart to zoom in, double-click to zoom out.";
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

    private Task<IEnumerable<PickerItem>> Search(string? text, CancellationToken cancellationToken) => Task.FromResult(_view.Search(text));

    private async Task AddAsync(PickerItem? item)
    {
        if (item is null)
        {
            return;
        }

        var selected = _view.SelectionWith(item);
        if (_picker is not null)
        {
            await _picker.ClearAsync();
        }

        ShowSeries(selected);
    }

    private void Remove(HistorySeriesInfo series) => ShowSeries(_view.SelectionWithout(series));

    private void ShowSeries(IReadOnlyList<HistorySeriesInfo> selected)
    {
        (_view, var link) = _view.ShowSeries(selected);
        Navigation.NavigateTo(link, replace: true);
    }

    private async Task SelectRangeAsync(string key)
    {
        (_view, var link) = _view.SelectRange(key);
        if (link is null)
        {
            await FillCustomAsync();
            return;
        }

        Navigation.NavigateTo(link, replace: true);
    }

    /// <summary>The custom range's fields show the range on the chart, in the browser's local time.</summary>
    private async Task FillCustomAsync()
    {
        try
        {
            _module ??= await JS.InvokeAsync<IJSObjectReference>("import", "./js/history.js");
            _customFrom = await _module.InvokeAsync<string>("toLocalInput", _view.From.ToUnixTimeMilliseconds());
            _customTo = await _module.InvokeAsync<string>("toLocalInput", _view.To.ToUnixTimeMilliseconds());
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
        (_view, var link) = _view.ApplyCustom(from, to);
        if (link is not null)
        {
            Navigation.NavigateTo(link, replace: true);
        }
    }

    private void Zoom((DateTimeOffset From, DateTimeOffset To) range)
    {
        (_view, var link) = _view.ZoomTo(range.From, range.To, Navigation.Uri);
        Navigation.NavigateTo(link, replace: true);
    }

    private void ResetZoom()
    {
        (_view, var back) = _view.ResetZoom();
        if (back is not null)
        {
            Navigation.NavigateTo(back, replace: true);
        }
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
