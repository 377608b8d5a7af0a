using System.Text.Json;
using Bunit;
using Dashboard.Components.Charts;
using Microsoft.JSInterop;

namespace Dashboard.Tests.Components;

public sealed class ChartComponentsTests : BunitContext
{
    private static readonly DateTimeOffset Start = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly BunitJSModuleInterop _module;
    private readonly BunitJSModuleInterop _chart;

    public ChartComponentsTests()
    {
        JSInterop.Mode = JSRuntimeMode.Strict;
        _module = JSInterop.SetupModule("./js/charts.js");
        _chart = _module.SetupModule(i => i.Identifier is "createSparkline" or "createTimeSeries");
        foreach (var method in new[] { "setData", "append", "setOptions", "destroy" })
        {
            _chart.SetupVoid(method, _ => true).SetVoidResult();
        }
    }

    private static List<DateTimeOffset> Times(int from, int count) =>
        [.. Enumerable.Range(from, count).Select(i => Start.AddSeconds(i))];

    private static JsonElement Json(object? payload) => JsonSerializer.SerializeToElement(payload);

    private int Calls(string identifier) => _chart.Invocations[identifier].Count;

    private int Creations(string identifier) => _module.Invocations[identifier].Count;

    [Fact]
    public void Sparkline_is_created_once_and_then_updated_in_place_when_values_change()
    {
        var cut = Render<Sparkline>(p => p.Add(x => x.Values, [1.0, 2.0, 3.0]));
        cut.WaitForAssertion(() => Assert.Equal(1, Creations("createSparkline")));

        cut.Render(p => p.Add(x => x.Values, [1.0, 2.0, 3.0, 4.0]));

        cut.WaitForAssertion(() => Assert.Equal(1, Calls("setData")));
        var data = Json(_chart.Invocations["setData"][0].Arguments[0]);
        Assert.Equal([1.0, 2.0, 3.0, 4.0], data.GetProperty("v").EnumerateArray().Select(v => v.GetDouble()));
        Assert.Equal(1, Creations("createSparkline"));
    }

    [Fact]
    public void Sparkline_sends_only_the_new_points_when_its_window_slides()
    {
        var cut = Render<Sparkline>(p => p
            .Add(x => x.Values, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
            .Add(x => x.Times, Times(0, 6)));
        cut.WaitForAssertion(() => Assert.Equal(1, Creations("createSparkline")));

        cut.Render(p => p
            .Add(x => x.Values, [2.0, 3.0, 4.0, 5.0, 6.0, 7.0])
            .Add(x => x.Times, Times(1, 6)));

        cut.WaitForAssertion(() => Assert.Equal(1, Calls("append")));
        var append = _chart.Invocations["append"][0];
        Assert.Equal([7.0], Json(append.Arguments[0]).GetProperty("v").EnumerateArray().Select(v => v.GetDouble()));
        Assert.Equal(6, append.Arguments[1]);
        Assert.Equal(0, Calls("setData"));
    }

    [Fact]
    public void Sparkline_sends_nothing_when_the_same_data_is_passed_again()
    {
        var cut = Render<Sparkline>(p => p
            .Add(x => x.Values, [1.0, 2.0, 3.0])
            .Add(x => x.Times, Times(0, 3)));
        cut.WaitForAssertion(() => Assert.Equal(1, Creations("createSparkline")));

        cut.Render(p => p
            .Add(x => x.Values, [1.0, 2.0, 3.0])
            .Add(x => x.Times, Times(0, 3)));
        cut.Render(p => p.Add(x => x.Height, 36));

        Assert.Equal(0, Calls("setData") + Calls("append") + Calls("setOptions"));
    }

    [Fact]
    public void Sparkline_turns_NaN_into_a_gap()
    {
        Render<Sparkline>(p => p.Add(x => x.Values, [1.0, double.NaN, 3.0]));

        var created = _module.Invocations["createSparkline"].Single();
        var values = Json(created.Arguments[1]).GetProperty("v").EnumerateArray().ToList();
        Assert.Equal(JsonValueKind.Null, values[1].ValueKind);
    }

    [Fact]
    public async Task Sparkline_destroys_its_chart_when_removed()
    {
        var cut = Render<Sparkline>(p => p.Add(x => x.Values, [1.0, 2.0]));
        cut.WaitForAssertion(() => Assert.Equal(1, Creations("createSparkline")));

        await DisposeComponentsAsync();

        Assert.Equal(1, Calls("destroy"));
    }

    [Fact]
    public void Sparkline_renders_its_aria_label_on_an_image_role()
    {
        var cut = Render<Sparkline>(p => p
            .Add(x => x.Values, [22.0, 23.5])
            .Add(x => x.AriaLabel, "temperature, last 2 values, latest 23.5 °C"));

        var host = cut.Find("div.chart-host");
        Assert.Equal("img", host.GetAttribute("role"));
        Assert.Equal("temperature, last 2 values, latest 23.5 °C", host.GetAttribute("aria-label"));
        Assert.Equal("height: 36px", host.GetAttribute("style"));
    }

    [Fact]
    public void Time_series_chart_passes_labels_units_and_bands_to_the_browser()
    {
        var times = Times(0, 3);
        Render<TimeSeriesChart>(p => p.Add(x => x.Series,
        [
            new ChartSeries("Temperature", "°C", times, [21.0, null, 23.5], Min: [20.0, null, 23.0], Max: [22.0, null, 24.0]),
            new ChartSeries("Humidity", "%", times, [40.0, 41.0, 42.0]),
        ]));

        var created = _module.Invocations["createTimeSeries"].Single();
        var payload = Assert.IsType<TimeSeriesChart.TimeSeriesPayload>(created.Arguments[1]);
        Assert.Equal(["Temperature", "Humidity"], payload.Series.Select(s => s.Label));
        Assert.Equal(["°C", "%"], payload.Series.Select(s => s.Unit));
        Assert.Single(payload.Times); // the shared Times list goes once
        Assert.Equal([20.0, null, 23.0], payload.Series[0].Min!);
        Assert.Null(payload.Series[1].Min);
    }

    [Fact]
    public void Time_series_chart_updates_only_when_a_series_changed()
    {
        ChartSeries Series(int count) => new("Power", "W", Times(0, count), [.. Enumerable.Range(0, count).Select(i => (double?)i)]);
        var cut = Render<TimeSeriesChart>(p => p.Add(x => x.Series, [Series(3)]));
        cut.WaitForAssertion(() => Assert.Equal(1, Creations("createTimeSeries")));

        cut.Render(p => p.Add(x => x.Series, [Series(3)]));
        Assert.Equal(0, Calls("setData"));

        cut.Render(p => p.Add(x => x.Series, [Series(4)]));
        cut.WaitForAssertion(() => Assert.Equal(1, Calls("setData")));
        Assert.Equal(1, Creations("createTimeSeries"));
    }

    [Fact]
    public async Task Time_series_chart_raises_OnZoom_with_the_range_the_user_dragged_over()
    {
        (DateTimeOffset From, DateTimeOffset To)? zoomed = null;
        var cut = Render<TimeSeriesChart>(p => p
            .Add(x => x.Series, [new ChartSeries("Power", "W", Times(0, 2), [1.0, 2.0])])
            .Add(x => x.OnZoom, range => zoomed = range));
        var self = Assert.IsType<DotNetObjectReference<TimeSeriesChart>>(_module.Invocations["createTimeSeries"].Single().Arguments[3]);

        var from = Start.ToUnixTimeMilliseconds() / 1000.0;
        await cut.InvokeAsync(() => self.Value.OnChartZoomed(from, from + 90.5));

        Assert.Equal((Start, Start.AddSeconds(90.5)), zoomed);
    }

    [Fact]
    public void Time_series_chart_summarises_each_series_for_screen_readers()
    {
        var cut = Render<TimeSeriesChart>(p => p.Add(x => x.Series,
        [
            new ChartSeries("temperature", "°C", Times(0, 3), [21.0, 22.0, 23.5]),
            new ChartSeries("humidity", "%", Times(0, 2), [40.0, null]),
        ]));

        var host = cut.Find("div.chart-host");
        Assert.Equal("img", host.GetAttribute("role"));
        Assert.Equal("temperature, last 3 values, latest 23.5 °C; humidity, last 2 values, latest 40 %", host.GetAttribute("aria-label"));
    }

    [Fact]
    public async Task Time_series_chart_destroys_its_chart_when_removed()
    {
        var cut = Render<TimeSeriesChart>(p => p.Add(x => x.Series, []));
        cut.WaitForAssertion(() => Assert.Equal(1, Creations("createTimeSeries")));

        await DisposeComponentsAsync();

        Assert.Equal(1, Calls("destroy"));
    }
}
