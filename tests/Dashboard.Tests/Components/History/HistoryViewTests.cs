using Dashboard.Components.History;
using Dashboard.History;

namespace Dashboard.Tests.Components.History;

public sealed class HistoryViewTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly HistorySeriesInfo Temperature = new(1, "home/kitchen/telemetry", "temperature", "°C", "home/kitchen");
    private static readonly HistorySeriesInfo Humidity = new(2, "home/kitchen/telemetry", "humidity", "%", "home/kitchen");
    private static readonly HistorySeriesInfo Garage = new(3, "home/garage/temperature", "temperature", null, "home/garage");
    private static readonly HistorySeriesInfo[] Stored = [Temperature, Humidity, Garage];

    private const string KitchenTemperature = "home%2Fkitchen%2Ftelemetry%7Ctemperature";
    private const string KitchenHumidity = "home%2Fkitchen%2Ftelemetry%7Chumidity";

    private static HistoryView At(string? range = null, string? from = null, string? to = null, params string[] series) =>
        new HistoryView().WithAddress(new HistoryAddress(series, range, from, to), Stored, Now);

    private static HistoryView Zoomed(HistoryView view, string currentUri = "http://localhost/history?range=7d") =>
        view.ZoomTo(Now.AddHours(-2), Now.AddHours(-1), currentUri).View;

    [Fact]
    public void A_preset_in_the_address_is_that_span_ending_now()
    {
        var view = At("7D");

        Assert.Equal("7d", view.Preset?.Key);
        Assert.Equal((Now.AddDays(-7), Now), (view.From, view.To));
        Assert.False(view.CustomOpen);
        Assert.Equal("7d", view.RangeKey);
    }

    [Theory]
    [InlineData(null, null, null)]
    [InlineData("5y", null, null)]
    [InlineData(null, "2025-06-01T10:00:00Z", null)]
    [InlineData(null, "2025-06-01T10:00:00Z", "2025-06-01T09:00:00Z")]
    [InlineData("1h", "2025-06-01T10:00:00Z", "2025-06-01T11:00:00Z")]
    public void Without_a_usable_range_the_address_means_the_last_24_hours(string? range, string? from, string? to)
    {
        var view = At(range, from, to);

        Assert.Equal(range == "1h" ? "1h" : "24h", view.Preset?.Key);
        Assert.Equal(Now, view.To);
    }

    [Fact]
    public void From_and_to_without_a_range_are_a_custom_range_with_its_panel_open()
    {
        var view = At(from: "2025-06-01T10:00:00+02:00", to: "2025-06-01T11:00:00Z");

        Assert.Null(view.Preset);
        Assert.Equal((Now.AddHours(-4), Now.AddHours(-1)), (view.From, view.To));
        Assert.True(view.CustomOpen);
        Assert.Equal(HistoryView.Custom, view.RangeKey);
        Assert.False(view.FollowsClock);
    }

    [Fact]
    public void Series_in_the_address_are_the_stored_ones_once_each_in_address_order()
    {
        var view = At("24h", null, null,
            "home/kitchen/telemetry|humidity", "home/kitchen/telemetry|pressure", "garbage", "home/kitchen/telemetry|humidity",
            "home/kitchen/telemetry|temperature");

        Assert.Equal([Humidity, Temperature], view.Selected);
        Assert.Equal(Stored, view.Available);
        Assert.Equal(["home/kitchen"], view.Devices.Select(d => d.Label));
    }

    [Fact]
    public void At_most_eight_series_are_selected()
    {
        var many = Enumerable.Range(1, 10).Select(i => new HistorySeriesInfo(i, $"t/{i}", "m", null, null)).ToArray();

        var view = new HistoryView().WithAddress(new HistoryAddress([.. many.Select(s => $"{s.Topic}|m")], null, null, null), many, Now);

        Assert.Equal(many.Take(HistoryView.MaxSelected), view.Selected);
        Assert.True(view.IsFull);
    }

    [Fact]
    public void Changing_the_series_keeps_the_preset_range()
    {
        var (view, link) = At("30d").ShowSeries([Humidity]);

        Assert.Equal($"history?series={KitchenHumidity}&range=30d", link);
        Assert.Null(view.Zoom);
    }

    [Fact]
    public void Changing_the_series_keeps_a_custom_range()
    {
        var (_, link) = At(from: "2025-06-01T10:00:00Z", to: "2025-06-01T11:00:00Z").ShowSeries([Temperature]);

        Assert.Equal($"history?series={KitchenTemperature}&from=2025-06-01T10%3A00%3A00Z&to=2025-06-01T11%3A00%3A00Z", link);
    }

    [Fact]
    public void Changing_the_series_while_zoomed_stays_zoomed_at_the_new_address()
    {
        var zoomed = Zoomed(At("7d", null, null, "home/kitchen/telemetry|temperature"));
        var arrived = zoomed.KeepZoomOnlyAt(zoomed.Zoom!.Uri)
            .WithAddress(new HistoryAddress(["home/kitchen/telemetry|temperature"], null, "2025-06-01T10:00:00Z", "2025-06-01T11:00:00Z"), Stored, Now);

        var (view, link) = arrived.ShowSeries([Temperature, Humidity]);

        Assert.Equal(link, view.Zoom?.Uri);
        Assert.Equal(arrived.Zoom!.Before, view.Zoom?.Before);
        Assert.Same(view, view.KeepZoomOnlyAt(link));
    }

    [Fact]
    public void Adding_a_device_adds_only_its_series_not_picked_yet()
    {
        var view = At("24h", null, null, "home/kitchen/telemetry|humidity");

        var selected = view.SelectionWith(view.Devices[0]);

        Assert.Equal([Humidity, Temperature], selected);
    }

    [Fact]
    public void Adding_to_a_full_selection_changes_nothing()
    {
        var many = Enumerable.Range(1, 8).Select(i => new HistorySeriesInfo(i, $"t/{i}", "m", null, null)).ToArray();
        var view = new HistoryView { Selected = many };

        Assert.Equal(many, view.SelectionWith(PickerItem.For(Garage)));
    }

    [Fact]
    public void Removing_a_series_keeps_the_others_in_order()
    {
        var view = new HistoryView { Selected = [Temperature, Humidity, Garage] };

        Assert.Equal([Temperature, Garage], view.SelectionWithout(Humidity));
    }

    [Fact]
    public void The_picker_offers_only_what_is_not_picked_yet()
    {
        var some = At("24h", null, null, "home/kitchen/telemetry|temperature");
        var all = At("24h", null, null, "home/kitchen/telemetry|temperature", "home/kitchen/telemetry|humidity");

        Assert.Equal(["home/kitchen", "humidity · home/kitchen/telemetry"], some.Search("kitchen").Select(i => i.Label));
        Assert.Equal(["temperature · home/garage/temperature"], all.Search("").Select(i => i.Label));
    }

    [Fact]
    public void The_custom_button_opens_the_panel_without_a_link_and_clears_an_old_error()
    {
        var view = At("1h") with { CustomError = "Enter both times." };

        var (opened, link) = view.SelectRange(HistoryView.Custom);

        Assert.Null(link);
        Assert.True(opened.CustomOpen);
        Assert.Null(opened.CustomError);
        Assert.Equal(HistoryView.Custom, opened.RangeKey);
    }

    [Fact]
    public void A_preset_button_leaves_the_zoom_and_the_custom_panel()
    {
        var view = Zoomed(At("1h", null, null, "home/kitchen/telemetry|temperature")) with { CustomOpen = true };

        var (next, link) = view.SelectRange("7d");

        Assert.Equal($"history?series={KitchenTemperature}&range=7d", link);
        Assert.False(next.IsZoomed);
        Assert.False(next.CustomOpen);
    }

    [Theory]
    [InlineData(null, 1L, "Enter both times.")]
    [InlineData(1L, null, "Enter both times.")]
    [InlineData(2L, 2L, "From must be before To.")]
    [InlineData(3L, 2L, "From must be before To.")]
    public void A_custom_range_needs_two_times_in_order(long? from, long? to, string error)
    {
        var view = At("24h") with { CustomOpen = true };

        var (next, link) = view.ApplyCustom(from, to);

        Assert.Null(link);
        Assert.Equal(error, next.CustomError);
        Assert.True(next.CustomOpen);
    }

    [Fact]
    public void A_valid_custom_range_links_to_it_and_leaves_the_zoom()
    {
        var view = Zoomed(At("24h", null, null, "home/kitchen/telemetry|temperature")) with { CustomError = "Enter both times." };

        var (next, link) = view.ApplyCustom(Now.AddHours(-3).ToUnixTimeMilliseconds(), Now.AddHours(-2).ToUnixTimeMilliseconds());

        Assert.Equal($"history?series={KitchenTemperature}&from=2025-06-01T09%3A00%3A00Z&to=2025-06-01T10%3A00%3A00Z", link);
        Assert.Null(next.CustomError);
        Assert.False(next.IsZoomed);
    }

    [Fact]
    public void The_first_zoom_remembers_the_address_to_zoom_out_to_and_keeps_its_range_button_lit()
    {
        var view = At("7d", null, null, "home/kitchen/telemetry|temperature");

        var (zoomed, link) = view.ZoomTo(Now.AddHours(-2), Now.AddHours(-1), "http://localhost/history?range=7d");
        var (again, _) = zoomed.ZoomTo(Now.AddMinutes(-90), Now.AddMinutes(-80), "http://localhost/elsewhere");

        Assert.Equal($"history?series={KitchenTemperature}&from=2025-06-01T10%3A00%3A00Z&to=2025-06-01T11%3A00%3A00Z", link);
        Assert.Equal(new HistoryZoom(link, "http://localhost/history?range=7d", "7d"), zoomed.Zoom);
        Assert.Equal("http://localhost/history?range=7d", again.Zoom?.Before);
        Assert.Equal("7d", again.RangeKey);
        Assert.False(zoomed.FollowsClock);
    }

    [Fact]
    public void Zooming_a_custom_range_closes_its_panel_but_keeps_Custom_lit()
    {
        var view = At(from: "2025-06-01T10:00:00Z", to: "2025-06-01T11:00:00Z");

        var zoomed = Zoomed(view);
        var arrived = zoomed.KeepZoomOnlyAt(zoomed.Zoom!.Uri)
            .WithAddress(new HistoryAddress([], null, "2025-06-01T10:00:00Z", "2025-06-01T10:30:00Z"), Stored, Now);

        Assert.False(zoomed.CustomOpen);
        Assert.False(arrived.CustomOpen);
        Assert.Equal(HistoryView.Custom, arrived.RangeKey);
    }

    [Fact]
    public void Zooming_out_returns_to_the_address_before_the_zoom()
    {
        var (view, back) = Zoomed(At("7d")).ResetZoom();

        Assert.Equal("http://localhost/history?range=7d", back);
        Assert.False(view.IsZoomed);
        Assert.Null(At("7d").ResetZoom().Link);
    }

    [Fact]
    public void A_zoom_is_forgotten_at_any_other_address()
    {
        var zoomed = Zoomed(At("7d"));

        Assert.Same(zoomed, zoomed.KeepZoomOnlyAt(zoomed.Zoom!.Uri));
        Assert.False(zoomed.KeepZoomOnlyAt("history?range=1h").IsZoomed);
    }

    [Fact]
    public void A_preset_range_follows_the_clock_once_series_are_shown()
    {
        var view = At("1h", null, null, "home/kitchen/telemetry|temperature");

        var later = view.At(Now.AddMinutes(1));

        Assert.False(At("1h").FollowsClock);
        Assert.True(view.FollowsClock);
        Assert.Equal((Now.AddMinutes(-59), Now.AddMinutes(1)), (later.From, later.To));
    }

    [Fact]
    public void A_custom_range_does_not_move_with_the_clock()
    {
        var view = At(from: "2025-06-01T10:00:00Z", to: "2025-06-01T11:00:00Z");

        Assert.Same(view, view.At(Now.AddHours(1)));
    }

    [Fact]
    public void The_export_link_is_for_the_range_shown()
    {
        var view = At("1h");

        Assert.Equal(HistoryLink.Csv(new SeriesKey(Temperature.Topic, Temperature.Metric), Now.AddHours(-1), Now), view.CsvLink(Temperature));
    }

    [Fact]
    public void The_chart_label_names_the_metrics_and_the_range()
    {
        Assert.Equal("Chart, no series", At().ChartLabel("today"));
        Assert.Equal("Chart of temperature, humidity, today", (At() with { Selected = [Temperature, Humidity] }).ChartLabel("today"));
    }
}
