using System.Net;
using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.Playwright;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.EndToEnd;

public sealed class HistoryPageTests(Browser browser) : IClassFixture<Browser>
{
    private static async Task PublishAndWaitUntilStoredAsync(DashboardApp app, string topic, int readings, params string[] payloads)
    {
        await using var device = await TestClient.ConnectAsync(app);
        foreach (var payload in payloads)
        {
            await device.PublishAsync(topic, payload, MqttQualityOfServiceLevel.AtLeastOnce);
        }

        using var http = app.CreateHttpClient();
        await DashboardApp.WaitUntilAsync(async () =>
        {
            using var response = await http.GetAsync($"api/readings.csv?topic={Uri.EscapeDataString(topic)}");
            return response.StatusCode == HttpStatusCode.OK
                && (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length == readings + 1;
        }, $"{readings} readings of {topic} to be stored");
    }

    [Fact]
    public async Task The_history_page_charts_a_published_series_and_zooms_into_it()
    {
        await using var app = await DashboardApp.StartAsync();
        var topic = $"hist/{Guid.NewGuid():N}/Kitchen/temperature";
        await PublishAndWaitUntilStoredAsync(app, topic, 3, "21.5 °C", "22.5 °C", "23 °C");

        var page = await browser.OpenAsync(app, $"history?series={Uri.EscapeDataString($"{topic}|temperature")}&range=1h");

        await Assertions.Expect(page.Locator(".series-chip")).ToContainTextAsync(topic);
        Assert.Contains(topic, await page.Locator(".series-chip").InnerTextAsync()); // as rendered: topics are case-sensitive, never upper-cased
        await Assertions.Expect(page.Locator(".history-resolution")).ToContainTextAsync("3 readings, as stored");
        var chart = page.Locator(".history-chart .chart-timeseries");
        await Assertions.Expect(chart.Locator("canvas")).ToHaveCountAsync(1);
        await Assertions.Expect(chart).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex("chart-no-data"));
        await Assertions.Expect(chart.Locator(".u-legend")).ToContainTextAsync("temperature");

        // Dragging across the second half of the plot (where the readings are) zooms: the address gets the new range,
        // the page says it is zoomed and reads the readings again for it.
        var plot = await chart.Locator(".u-over").BoundingBoxAsync();
        await page.Mouse.MoveAsync(plot!.X + plot.Width * 0.5f, plot.Y + plot.Height / 2);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(plot.X + plot.Width + 20, plot.Y + plot.Height / 2, new MouseMoveOptions { Steps = 5 }); // past the end: to the range's end
        await page.Mouse.UpAsync();

        await Assertions.Expect(page.Locator(".zoom-chip")).ToBeVisibleAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("from=.*&to="));
        await Assertions.Expect(page.Locator(".history-resolution")).ToContainTextAsync("3 readings, as stored");
    }

    [Fact]
    public async Task The_device_page_charts_its_metrics_stored_history()
    {
        await using var app = await DashboardApp.StartAsync();
        var device = $"hist/{Guid.NewGuid():N}";
        await PublishAndWaitUntilStoredAsync(app, $"{device}/telemetry", 4, """{"temperature": 20.5, "humidity": 41}""", """{"temperature": 21, "humidity": 42}""");

        var page = await browser.OpenAsync(app, $"devices/{device}");

        var history = page.Locator(".device-history");
        await Assertions.Expect(history.Locator("canvas")).ToHaveCountAsync(1);
        await Assertions.Expect(history.Locator(".u-legend")).ToContainTextAsync("temperature");
        await Assertions.Expect(history.Locator(".u-legend")).ToContainTextAsync("humidity");
        await Assertions.Expect(history.Locator("a.open-history")).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("^history\\?series=.*telemetry%7Chumidity"));
    }

    [Fact]
    public async Task The_device_chart_opens_on_a_range_that_fits_its_data_with_an_axis_per_unit_and_the_latest_values_in_its_legend()
    {
        await using var app = await DashboardApp.StartAsync();
        var device = $"hist/{Guid.NewGuid():N}";
        await PublishAndWaitUntilStoredAsync(app, $"{device}/temperature", 2, "21.5 °C", "22 °C");
        await PublishAndWaitUntilStoredAsync(app, $"{device}/humidity", 2, "40 %", "41 %");

        var page = await browser.OpenAsync(app, $"devices/{device}");

        var history = page.Locator(".device-history");
        await Assertions.Expect(history.Locator(".device-history-title")).ToHaveTextAsync("Last hour"); // minutes of data: not 24 h with a sliver
        await Assertions.Expect(history.Locator(".chart-timeseries")).ToHaveAttributeAsync("data-y-axes", new System.Text.RegularExpressions.Regex(@"^(%\|°C|°C\|%)$")); // one axis per unit
        var legend = history.Locator(".u-legend");
        await Assertions.Expect(legend.Locator("tr").First).ToContainTextAsync("(latest)"); // not "Time: –"
        await Assertions.Expect(legend).ToContainTextAsync("22 °C");
        await Assertions.Expect(legend).ToContainTextAsync("41 %");
        Assert.Equal("1 h", (await history.Locator(".device-history-ranges .mud-toggle-item").First.InnerTextAsync()).Trim()); // as written, not "1 H"

        await history.Locator(".device-history-ranges").GetByText("7 d").ClickAsync();
        await Assertions.Expect(history.Locator(".device-history-title")).ToHaveTextAsync("Last 7 days");
        await Assertions.Expect(history.Locator("a.open-history")).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("range=7d"));
    }
}
