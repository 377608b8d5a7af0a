using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace Dashboard.Components.Charts;

/// <summary>
/// A small trend line (uPlot, via wwwroot/js/charts.js), as wide as its container. Meant for live values:
/// each render costs nothing unless the data changed (count, last value or last time), and when
/// <see cref="Times"/> shows the window only slid forward, just the new points are sent.
/// </summary>
public sealed partial class Sparkline
{
    /// <summary>The values, oldest first. NaN and infinities are gaps.</summary>
    [Parameter, EditorRequired] public IReadOnlyList<double> Values { get; set; } = [];

    /// <summary>When each value was measured (ascending, as many as <see cref="Values"/>); without them the points are evenly spaced.</summary>
    [Parameter] public IReadOnlyList<DateTimeOffset>? Times { get; set; }

    [Parameter] public int Height { get; set; } = 36;

    /// <summary>Any CSS color, or a CSS variable (<c>var(--mud-palette-success)</c>); the theme's primary color by default.</summary>
    [Parameter] public string? Color { get; set; }

    /// <summary>What a screen reader announces, e.g. "temperature, last 60 values, latest 23.5 °C".</summary>
    [Parameter] public string? AriaLabel { get; set; }

    private string Label => AriaLabel ?? ChartData.Summary("Trend", Values.Count, LastFinite(), null);

    protected override void OnParametersSet()
    {
        if (Times is not null && Times.Count != Values.Count)
        {
            throw new ArgumentException($"Sparkline got {Times.Count} times for {Values.Count} values.", nameof(Times));
        }
    }

    protected override ValueTask<IJSObjectReference> CreateChartAsync(IJSObjectReference module, Shown shown) =>
        module.InvokeAsync<IJSObjectReference>("createSparkline", Host, Payload(0), Options());

    // Renders that change nothing send nothing; a window that only slid forward sends its new points.
    protected override async Task UpdateChartAsync(IJSObjectReference chart, Shown previous, bool hadPrevious, Shown current)
    {
        if (!hadPrevious || current.Color != previous.Color || current.Height != previous.Height)
        {
            await chart.InvokeVoidAsync("setOptions", Options());
        }
        if (!hadPrevious || current.Data != previous.Data)
        {
            var start = hadPrevious ? AppendStart(previous.Data) : -1;
            if (start > 0)
            {
                await chart.InvokeVoidAsync("append", Payload(start), Values.Count);
            }
            else
            {
                await chart.InvokeVoidAsync("setData", Payload(0));
            }
        }
    }

    // The index of the first point the browser lacks, if Values is its window slid forward (the
    // point it shows last is still here, at the same time and value); otherwise -1.
    private int AppendStart(DataShown previous)
    {
        if (Times is null || previous.LastTimeTicks is not { } lastTicks || previous.Count == 0)
        {
            return -1;
        }
        // Only worth it for a few new points; a mostly new window goes whole.
        for (var i = Values.Count - 2; i >= Values.Count / 2; i--)
        {
            var ticks = Times[i].UtcTicks;
            if (ticks < lastTicks)
            {
                return -1;
            }
            if (ticks == lastTicks)
            {
                return i + 1 <= previous.Count && Values[i].Equals(previous.Last) ? i + 1 : -1;
            }
        }
        return -1;
    }

    private object Payload(int start) => new
    {
        t = Times is null ? null : ChartData.Seconds(Times, start),
        v = ChartData.Finite(Values, start),
    };

    private object Options() => new { height = Height, color = Color };

    protected override Shown Current() => new(
        new DataShown(Values.Count, Values.Count > 0 ? Values[^1] : double.NaN, Times is { Count: > 0 } t ? t[^1].UtcTicks : null),
        Color,
        Height);

    private double? LastFinite()
    {
        for (var i = Values.Count - 1; i >= 0; i--)
        {
            if (double.IsFinite(Values[i]))
            {
                return Values[i];
            }
        }
        return null;
    }

    public readonly record struct DataShown(int Count, double Last, long? LastTimeTicks);

    public readonly record struct Shown(DataShown Data, string? Color, int Height);
}
