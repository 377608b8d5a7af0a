using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace Dashboard.Components.Charts;

/// <summary>
/// A small trend line (uPlot, via wwwroot/js/charts.js), as wide as its container. Meant for live values:
/// each render costs nothing unless the data changed (count, last value or last time), and when
/// <see cref="Times"/> shows the window only slid forward, just the new points are sent.
/// </summary>
public sealed partial class Sparkline : IAsyncDisposable
{
    private ElementReference _host;
    private IJSObjectReference? _module;
    private IJSObjectReference? _chart;
    private Shown? _shown;
    private bool _disposed;

    [Inject] private IJSRuntime JS { get; set; } = default!;

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

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            await CreateAsync();
        }
        await SyncAsync();
    }

    private async Task CreateAsync()
    {
        var module = await JS.InvokeAsync<IJSObjectReference>("import", ChartInterop.ModulePath);
        if (_disposed)
        {
            await ChartInterop.ReleaseAsync(module);
            return;
        }
        _module = module;
        var shown = Current();
        var chart = await module.InvokeAsync<IJSObjectReference>("createSparkline", _host, Payload(0), Options());
        if (_disposed)
        {
            await ChartInterop.DestroyAsync(chart);
            return;
        }
        _chart = chart;
        _shown = shown;
    }

    // Brings the browser up to date; renders that change nothing send nothing.
    private async Task SyncAsync()
    {
        var current = Current();
        if (_chart is null || current == _shown)
        {
            return;
        }
        var previous = _shown;
        _shown = current; // before awaiting, so an overlapping render does not send the same change again
        try
        {
            if (previous is not { } p || current.Color != p.Color || current.Height != p.Height)
            {
                await _chart.InvokeVoidAsync("setOptions", Options());
            }
            if (previous is not { } q || current.Data != q.Data)
            {
                var start = previous is { } r ? AppendStart(r.Data) : -1;
                if (start > 0)
                {
                    await _chart.InvokeVoidAsync("append", Payload(start), Values.Count);
                }
                else
                {
                    await _chart.InvokeVoidAsync("setData", Payload(0));
                }
            }
        }
        catch (JSDisconnectedException)
        {
            // The circuit may come back to the same page: then send everything.
            _shown = null;
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

    private Shown Current() => new(
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

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        if (_chart is { } chart)
        {
            _chart = null;
            await ChartInterop.DestroyAsync(chart);
        }
        if (_module is { } module)
        {
            _module = null;
            await ChartInterop.ReleaseAsync(module);
        }
    }

    private readonly record struct DataShown(int Count, double Last, long? LastTimeTicks);

    private readonly record struct Shown(DataShown Data, string? Color, int Height);
}
