using Dashboard.Components.History;
using Dashboard.History;

namespace Dashboard.Tests.Components.History;

public sealed class HistoryLinkTests
{
    [Fact]
    public void A_link_names_each_series_and_the_preset()
    {
        var link = HistoryLink.For([new SeriesKey("home/sensor1/temperature", "temperature"), new SeriesKey("home/a b", "x")], RangePreset.Find("7D"));

        Assert.Equal("history?series=home%2Fsensor1%2Ftemperature%7Ctemperature&series=home%2Fa%20b%7Cx&range=7d", link);
    }

    [Fact]
    public void A_custom_range_is_written_as_UTC_times()
    {
        var from = new DateTimeOffset(2025, 6, 1, 14, 0, 0, TimeSpan.FromHours(2));

        var link = HistoryLink.For([], null, from, from.AddHours(1));

        Assert.Equal("history?from=2025-06-01T12%3A00%3A00Z&to=2025-06-01T13%3A00%3A00Z", link);
    }

    [Theory]
    [InlineData("home/sensor1/temperature|temperature", "home/sensor1/temperature", "temperature")]
    [InlineData("odd|topic|metric", "odd|topic", "metric")]
    [InlineData("|metric", null, null)]
    [InlineData("topic|", null, null)]
    [InlineData("no bar", null, null)]
    [InlineData(null, null, null)]
    public void A_series_in_the_address_splits_at_its_last_bar(string? text, string? topic, string? metric)
    {
        var key = SeriesKey.Parse(text);

        Assert.Equal(topic, key?.Topic);
        Assert.Equal(metric, key?.Metric);
    }

    [Fact]
    public void The_export_link_asks_for_the_series_and_the_range_shown()
    {
        var from = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

        var link = HistoryLink.Csv(new SeriesKey("a,b", "m"), from, from.AddDays(1));

        Assert.Equal("api/readings.csv?topic=a,b&metric=m&from=2025-06-01T12%3A00%3A00Z&to=2025-06-02T12%3A00%3A00Z", link);
    }

    [Fact]
    public void The_picker_finds_devices_and_series_by_every_word_typed()
    {
        HistorySeriesInfo[] series =
        [
            new(1, "home/kitchen/telemetry", "temperature", "°C", "home/kitchen"),
            new(2, "home/kitchen/telemetry", "humidity", "%", "home/kitchen"),
            new(3, "home/garage/temperature", "temperature", null, "home/garage"),
        ];
        var devices = PickerItem.Devices(series);

        Assert.Equal(["home/kitchen"], devices.Select(d => d.Label));
        Assert.Equal(["temperature · home/kitchen/telemetry", "temperature · home/garage/temperature"],
            PickerItem.Search("TEMP", [], series).Select(i => i.Label));
        Assert.Equal(["humidity · home/kitchen/telemetry"], PickerItem.Search("kitchen hum", devices, series).Select(i => i.Label));
        Assert.Equal(["home/kitchen", "temperature · home/kitchen/telemetry", "humidity · home/kitchen/telemetry"],
            PickerItem.Search("kitchen", devices, series).Select(i => i.Label));
        Assert.Equal(3, PickerItem.Search("", [], series).Count());
    }
}
