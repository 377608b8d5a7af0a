using Dashboard.Components.History;
using Dashboard.History;

namespace Dashboard.Tests.Components.History;

public sealed class HistoryChartDataTests
{
    private static readonly DateTimeOffset T0 = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly HistorySeriesInfo Info = new(1, "home/a/temperature", "temperature", "°C", "home/a");

    private static HistorySeriesData Data(TimeSpan bucket, params HistoryPoint[] points) =>
        new(Info, T0, T0.AddHours(1), bucket > TimeSpan.Zero ? HistoryResolution.Minute : HistoryResolution.Raw, bucket, points);

    private static HistoryPoint Raw(int second, double value) => new(T0.AddSeconds(second).ToUnixTimeMilliseconds(), value, value, value, 1);

    [Fact]
    public void Raw_readings_become_a_line_without_a_band_whose_axis_spans_the_range_asked()
    {
        var series = HistoryChartData.ToChartSeries(Data(TimeSpan.Zero, Raw(60, 20), Raw(120, 21), Raw(180, 22)), "temperature");

        Assert.Equal([null, 20, 21, 22, null], series.Values);
        Assert.Equal(T0, series.Times[0]);
        Assert.Equal(T0.AddHours(1), series.Times[^1]);
        Assert.Null(series.Min);
        Assert.Equal("°C", series.Unit);
    }

    [Fact]
    public void An_outage_breaks_the_line_instead_of_drawing_a_slope_across_it()
    {
        var series = HistoryChartData.ToChartSeries(Data(TimeSpan.Zero, Raw(0, 1), Raw(10, 2), Raw(20, 3), Raw(30, 4), Raw(3000, 5), Raw(3010, 6)), "t");

        Assert.Equal([1, 2, 3, 4, null, 5, 6, null], series.Values);
        Assert.Equal(T0.AddSeconds(40), series.Times[4]);
    }

    [Fact]
    public void Downsampled_points_carry_their_min_and_max_as_a_band()
    {
        var minute = T0.ToUnixTimeMilliseconds();
        var series = HistoryChartData.ToChartSeries(Data(TimeSpan.FromMinutes(1),
            new HistoryPoint(minute, 20, 19, 25, 60), new HistoryPoint(minute + 60_000, 21, 20, 22, 60)), "t");

        Assert.Equal([19, 20, null], series.Min);
        Assert.Equal([25, 22, null], series.Max);
    }

    [Fact]
    public void No_points_make_an_empty_series_so_the_chart_says_no_data()
    {
        var series = HistoryChartData.ToChartSeries(Data(TimeSpan.Zero), "t");

        Assert.Empty(series.Times);
    }

    [Fact]
    public void Labels_are_metric_names_unless_two_series_share_one_then_what_tells_them_apart()
    {
        HistorySeriesInfo S(string topic, string metric, string? device) => new(0, topic, metric, null, device);

        var labels = HistoryChartData.Labels([
            S("home/kitchen/telemetry", "temperature", "home/kitchen"),
            S("home/garage/temperature", "temperature", "home/garage"),
            S("home/kitchen/telemetry", "humidity", "home/kitchen"),
        ]);

        Assert.Equal(["temperature · kitchen", "temperature · garage", "humidity"], labels);
    }

    [Fact]
    public void Series_of_one_device_that_share_a_metric_name_are_told_apart_by_topic()
    {
        HistorySeriesInfo S(string topic) => new(0, topic, "value", null, "plant/line1");

        Assert.Equal(["value · in", "value · out"], HistoryChartData.Labels([S("plant/line1/in/flow"), S("plant/line1/out/flow")]));
    }

    [Theory]
    [InlineData("a/b/c|a/x/c", "b|x")]
    [InlineData("a|b", "a|b")]
    [InlineData("home/a|home/a/b", "a|a/b")]
    public void Shared_levels_are_dropped_but_never_everything(string names, string expected)
    {
        Assert.Equal(expected.Split('|'), HistoryChartData.WithoutSharedLevels(names.Split('|')));
    }
}
