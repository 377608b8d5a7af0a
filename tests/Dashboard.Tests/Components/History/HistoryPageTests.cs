using Bunit;
using Dashboard.Components.Charts;
using Dashboard.History;
using Dashboard.Tests.History;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using HistoryPage = Dashboard.Components.Pages.History;

namespace Dashboard.Tests.Components.History;

/// <summary>The History page over a real SQLite file written through the writer's path.</summary>
public sealed class HistoryPageTests : BunitContext, IAsyncLifetime
{
    private readonly HistoryDatabase _db = new();

    public HistoryPageTests()
    {
        Services.AddMudServices();
        Services.AddSingleton(_db.Queries);
        Services.AddSingleton<TimeProvider>(_db.Clock);
        Services.AddSingleton<IOptions<HistoryOptions>>(Options.Create(_db.Options));
        Services.AddSingleton(_db.Services.GetRequiredService<HistoryStats>());
        JSInterop.Mode = JSRuntimeMode.Loose;
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // MudBlazor's popover services can only be disposed asynchronously; xUnit disposes synchronously afterwards, which is then a no-op.
    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        _db.Dispose();
    }

    private NavigationManager Navigation => Services.GetRequiredService<NavigationManager>();

    private IRenderedComponent<HistoryPage> Open(string query = "")
    {
        Navigation.NavigateTo("history" + query);
        return Render<HistoryPage>();
    }

    private void WriteKitchen()
    {
        var t = _db.Clock.Now.AddHours(-1);
        _db.Write("home/kitchen/telemetry", "temperature", "°C", (t, 21), (t.AddMinutes(1), 22), (t.AddMinutes(2), 23));
        _db.Write("home/kitchen/telemetry", "humidity", "%", (t, 40), (t.AddMinutes(1), 41));
    }

    [Fact]
    public void With_nothing_stored_it_says_so()
    {
        var cut = Open();

        cut.WaitForAssertion(() => Assert.Contains("Nothing is stored yet", cut.Find(".history-empty").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public void Without_a_selection_it_asks_for_one_and_offers_the_devices()
    {
        WriteKitchen();

        var cut = Open();

        cut.WaitForAssertion(() => Assert.Contains("Pick devices or metrics", cut.Find(".history-prompt").TextContent, StringComparison.Ordinal));
        Assert.Contains("home/kitchen", cut.Find(".history-prompt button").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindComponents<TimeSeriesChart>());
    }

    [Fact]
    public void Picking_a_device_puts_all_its_metrics_in_the_address()
    {
        WriteKitchen();
        var cut = Open("?range=7d");

        cut.WaitForElement(".history-prompt button").Click();

        cut.WaitForAssertion(() => Assert.Equal(
            "http://localhost/history?series=home%2Fkitchen%2Ftelemetry%7Chumidity&series=home%2Fkitchen%2Ftelemetry%7Ctemperature&range=7d", Navigation.Uri));
    }

    [Fact]
    public void Series_in_the_address_are_charted_with_their_stored_readings()
    {
        WriteKitchen();

        var cut = Open("?series=home/kitchen/telemetry|temperature&series=home/kitchen/telemetry|humidity&range=24h");

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindComponent<TimeSeriesChart>().Instance.Series.Count));
        var series = cut.FindComponent<TimeSeriesChart>().Instance.Series;
        Assert.Equal(["temperature", "humidity"], series.Select(s => s.Label));
        Assert.Equal([21.0, 22.0, 23.0], series[0].Values.OfType<double>());
        Assert.Equal(["°C", "%"], series.Select(s => s.Unit));
        Assert.Equal(2, cut.FindAll(".series-chip").Count);
        Assert.Contains("5 readings, as stored", cut.Find(".history-resolution").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void One_series_gets_an_export_link_for_the_range_shown()
    {
        WriteKitchen();

        var cut = Open("?series=home/kitchen/telemetry|temperature&range=1h");

        var link = cut.WaitForElement("a.history-export").GetAttribute("href");
        Assert.Equal("api/readings.csv?topic=home%2Fkitchen%2Ftelemetry&metric=temperature&from=2025-06-01T11%3A00%3A00Z&to=2025-06-01T12%3A00%3A00Z", link);
    }

    [Fact]
    public void Removing_a_series_keeps_the_others_and_the_range()
    {
        WriteKitchen();
        var cut = Open("?series=home/kitchen/telemetry|temperature&series=home/kitchen/telemetry|humidity&range=30d");
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll(".series-chip").Count));

        cut.FindAll(".series-chip button")[0].Click();

        cut.WaitForAssertion(() => Assert.Equal("http://localhost/history?series=home%2Fkitchen%2Ftelemetry%7Chumidity&range=30d", Navigation.Uri));
    }

    [Fact]
    public void Zooming_reads_the_zoomed_range_and_zooming_out_returns_to_the_preset()
    {
        WriteKitchen();
        var cut = Open("?series=home/kitchen/telemetry|temperature&range=24h");
        cut.WaitForState(() => cut.FindComponents<TimeSeriesChart>().Count == 1);
        var chart = cut.FindComponent<TimeSeriesChart>();
        var from = _db.Clock.Now.AddHours(-1).AddSeconds(30);

        cut.InvokeAsync(() => chart.Instance.OnZoom.InvokeAsync((from, from.AddMinutes(1))));

        cut.WaitForAssertion(() => Assert.Equal(
            "http://localhost/history?series=home%2Fkitchen%2Ftelemetry%7Ctemperature&from=2025-06-01T11%3A00%3A30Z&to=2025-06-01T11%3A01%3A30Z", Navigation.Uri));
        cut.WaitForAssertion(() => Assert.Equal([22.0], cut.FindComponent<TimeSeriesChart>().Instance.Series[0].Values.OfType<double>()));
        Assert.Single(cut.FindAll(".zoom-chip"));
        Assert.Empty(cut.FindAll(".history-custom"));

        cut.InvokeAsync(() => cut.FindComponent<TimeSeriesChart>().Instance.OnZoomReset.InvokeAsync());

        cut.WaitForAssertion(() => Assert.EndsWith("range=24h", Navigation.Uri, StringComparison.Ordinal));
        cut.WaitForAssertion(() => Assert.Equal([21.0, 22.0, 23.0], cut.FindComponent<TimeSeriesChart>().Instance.Series[0].Values.OfType<double>()));
        Assert.Empty(cut.FindAll(".zoom-chip"));
    }

    [Fact]
    public void Leaving_a_zoomed_chart_by_a_link_forgets_the_zoom()
    {
        WriteKitchen();
        var cut = Open("?series=home/kitchen/telemetry|temperature&range=24h");
        cut.WaitForState(() => cut.FindComponents<TimeSeriesChart>().Count == 1);
        var from = _db.Clock.Now.AddHours(-1);
        cut.InvokeAsync(() => cut.FindComponent<TimeSeriesChart>().Instance.OnZoom.InvokeAsync((from, from.AddMinutes(5))));
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll(".zoom-chip")));

        Navigation.NavigateTo("history?series=home/kitchen/telemetry|humidity&range=7d");

        cut.WaitForAssertion(() => Assert.Equal(["humidity"], cut.FindComponent<TimeSeriesChart>().Instance.Series.Select(s => s.Label)));
        Assert.Empty(cut.FindAll(".zoom-chip"));
    }

    [Fact]
    public void Readings_the_writer_had_to_drop_are_reported()
    {
        WriteKitchen();
        var stats = _db.Services.GetRequiredService<HistoryStats>();
        stats.OnDropped();
        stats.OnDropped();

        var cut = Open();

        cut.WaitForAssertion(() => Assert.Contains("2 because the database fell behind", cut.Find(".history-lost").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public void Nothing_is_reported_lost_when_nothing_was()
    {
        WriteKitchen();

        var cut = Open();

        cut.WaitForAssertion(() => cut.Find(".history-prompt"));
        Assert.Empty(cut.FindAll(".history-lost"));
    }

    [Fact]
    public void Unknown_series_in_the_address_are_left_out()
    {
        WriteKitchen();

        var cut = Open("?series=home/kitchen/telemetry|pressure&series=garbage");

        cut.WaitForAssertion(() => cut.Find(".history-prompt"));
        Assert.Empty(cut.FindAll(".series-chip"));
    }
}
