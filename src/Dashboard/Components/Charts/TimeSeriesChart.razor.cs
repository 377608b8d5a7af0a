using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace Dashboard.Components.Charts;

/// <summary>
/// Several time series on one chart (uPlot, via wwwroot/js/charts.js): x in the browser's local time,
/// a legend with the values under the cursor, drag to zoom on x (raises <see cref="OnZoom"/>),
/// double-click to zoom out again (raises <see cref="OnZoomReset"/>).
/// Series are grouped by unit, one y axis each, labelled with it (the first on the left, the next on the right, and so
/// on); away from the cursor the legend shows each series' latest value and its time.
/// The element is <see cref="Height"/> pixels tall, legend included, and as wide as its container.
/// </summary>
public sealed partial class TimeSeriesChart
{
    private DotNetObjectReference<TimeSeriesChart>? _self;

    [Parameter, EditorRequired] public IReadOnlyList<ChartSeries> Series { get; set; } = [];

    /// <summary>Height of the whole chart in pixels, legend included.</summary>
    [Parameter] public int Height { get; set; } = 320;

    /// <summary>The user dragged over a time range: a page can fetch finer data for it and pass it in.</summary>
    [Parameter] public EventCallback<(DateTimeOffset From, DateTimeOffset To)> OnZoom { get; set; }

    /// <summary>The user double-clicked to see all the data again.</summary>
    [Parameter] public EventCallback OnZoomReset { get; set; }

    /// <summary>What a screen reader announces; by default a summary of each series' latest value.</summary>
    [Parameter] public string? AriaLabel { get; set; }

    private string Label => AriaLabel ?? (Series.Count == 0
        ? "Chart, no data"
        : string.Join("; ", Series.Select(s => ChartData.Summary(s.Label, s.Values.Count, ChartData.LastFinite(s.Values), s.Unit))));

    [JSInvokable]
    public Task OnChartZoomed(double fromSeconds, double toSeconds) =>
        OnZoom.InvokeAsync((ChartData.FromSeconds(fromSeconds), ChartData.FromSeconds(toSeconds)));

    [JSInvokable]
    public Task OnChartZoomReset() => OnZoomReset.InvokeAsync();

    protected override void OnParametersSet()
    {
        foreach (var s in Series)
        {
            if (s.Times.Count != s.Values.Count || (s.Min is { } min && min.Count != s.Values.Count) || (s.Max is { } max && max.Count != s.Values.Count))
            {
                throw new ArgumentException($"Series '{s.Label}' needs as many times (and min/max values) as values.", nameof(Series));
            }
        }
    }

    protected override ValueTask<IJSObjectReference> CreateChartAsync(IJSObjectReference module, Shown shown)
    {
        _self = DotNetObjectReference.Create(this);
        return module.InvokeAsync<IJSObjectReference>("createTimeSeries", Host, Payload(), Options(), _self);
    }

    // Renders that leave the data as it was send nothing.
    protected override async Task UpdateChartAsync(IJSObjectReference chart, Shown? previous, bool hadPrevious, Shown current)
    {
        if (previous is null || previous.Height != current.Height)
        {
            await chart.InvokeVoidAsync("setOptions", Options());
        }
        if (previous is null || !previous.Series.SequenceEqual(current.Series))
        {
            await chart.InvokeVoidAsync("setData", Payload());
        }
    }

    // Series that share one Times list (by reference) share one array in the browser too.
    private TimeSeriesPayload Payload()
    {
        var timeLists = new List<IReadOnlyList<DateTimeOffset>>();
        var series = new List<SeriesPayload>(Series.Count);
        foreach (var s in Series)
        {
            var index = timeLists.FindIndex(t => ReferenceEquals(t, s.Times));
            if (index < 0)
            {
                index = timeLists.Count;
                timeLists.Add(s.Times);
            }
            var band = s.Min is not null && s.Max is not null;
            series.Add(new SeriesPayload(
                s.Label,
                s.Unit,
                index,
                ChartData.Finite(s.Values),
                band ? ChartData.Finite(s.Min!) : null,
                band ? ChartData.Finite(s.Max!) : null));
        }
        return new TimeSeriesPayload([.. timeLists.Select(t => ChartData.Seconds(t))], series);
    }

    private object Options() => new { height = Height };

    protected override Shown Current() => new(Height, [.. Series.Select(SeriesShown.Of)]);

    protected override void OnDisposed() => _self?.Dispose();

    internal sealed record TimeSeriesPayload(IReadOnlyList<double[]> Times, IReadOnlyList<SeriesPayload> Series);

    internal sealed record SeriesPayload(string Label, string? Unit, int Times, double?[] Values, double?[]? Min, double?[]? Max);

    // A cheap fingerprint of a series: enough to notice new, dropped or replaced points.
    public readonly record struct SeriesShown(string Label, string? Unit, int Count, long FirstTicks, long LastTicks, double? Last, bool Band)
    {
        public static SeriesShown Of(ChartSeries s) => new(
            s.Label,
            s.Unit,
            s.Values.Count,
            s.Times.Count > 0 ? s.Times[0].UtcTicks : 0,
            s.Times.Count > 0 ? s.Times[^1].UtcTicks : 0,
            s.Values.Count > 0 ? s.Values[^1] : null,
            s.Min is not null && s.Max is not null);
    }

    public sealed record Shown(int Height, SeriesShown[] Series)
    {
        public bool Equals(Shown? other) => other is not null && Height == other.Height && Series.AsSpan().SequenceEqual(other.Series);

        public override int GetHashCode() => HashCode.Combine(Height, Series.Length);
    }
}
