using Microsoft.JSInterop;

namespace Dashboard.Components.Charts;

internal static class ChartInterop
{
    public const string ModulePath = "./js/charts.js";

    /// <summary>Removes the chart from the page and releases the reference; quietly, if the circuit is gone.</summary>
    public static async Task DestroyAsync(IJSObjectReference chart)
    {
        try
        {
            await chart.InvokeVoidAsync("destroy");
        }
        catch (JSDisconnectedException)
        {
            // The browser is gone, and the chart with it.
        }
        await ReleaseAsync(chart);
    }

    public static async Task ReleaseAsync(IJSObjectReference reference)
    {
        try
        {
            await reference.DisposeAsync();
        }
        catch (JSDisconnectedException)
        {
        }
    }
}
