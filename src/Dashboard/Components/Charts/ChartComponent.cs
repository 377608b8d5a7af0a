using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace Dashboard.Components.Charts;

/// <summary>
/// The life of a uPlot chart in the page (wwwroot/js/charts.js): created after the first render, brought up to date after
/// each render only when what it shows changed (a cheap fingerprint, <typeparamref name="TShown"/>), destroyed with the
/// component. A render, a disposal and a lost circuit may overlap; each step checks for that.
/// </summary>
public abstract class ChartComponent<TShown> : ComponentBase, IAsyncDisposable
{
    private IJSObjectReference? _module;
    private IJSObjectReference? _chart;
    private TShown? _shown;
    private bool _hasShown;
    private bool _disposed;

    protected ElementReference Host;

    [Inject] private IJSRuntime JS { get; set; } = default!;

    /// <summary>A fingerprint of what the chart should show now: equal fingerprints send nothing.</summary>
    protected abstract TShown Current();

    /// <summary>Creates the chart in <see cref="Host"/> with everything <paramref name="shown"/> describes.</summary>
    protected abstract ValueTask<IJSObjectReference> CreateChartAsync(IJSObjectReference module, TShown shown);

    /// <summary>Sends what changed since <paramref name="previous"/> (nothing shown yet when it has no value).</summary>
    protected abstract Task UpdateChartAsync(IJSObjectReference chart, TShown? previous, bool hadPrevious, TShown current);

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
        var chart = await CreateChartAsync(module, shown);
        if (_disposed)
        {
            await ChartInterop.DestroyAsync(chart);
            return;
        }
        _chart = chart;
        (_shown, _hasShown) = (shown, true);
    }

    private async Task SyncAsync()
    {
        var current = Current();
        if (_chart is null || (_hasShown && EqualityComparer<TShown>.Default.Equals(current, _shown)))
        {
            return;
        }
        var (previous, hadPrevious) = (_shown, _hasShown);
        (_shown, _hasShown) = (current, true); // before awaiting, so an overlapping render does not send the same change again
        try
        {
            await UpdateChartAsync(_chart, previous, hadPrevious, current);
        }
        catch (JSDisconnectedException)
        {
            // The circuit may come back to the same page: then send everything.
            (_shown, _hasShown) = (default, false);
        }
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
        OnDisposed();
        GC.SuppressFinalize(this);
    }

    protected virtual void OnDisposed()
    {
    }
}
