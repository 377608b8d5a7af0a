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
        var topic = $"hist/{Guid.NewGuid():N}/temperature";
        await PublishAndWaitUntilStoredAsync(app, topic, 3, "21.5 °C", "22.5 °C", "23 °C");

        var page = await browser.OpenAsync(app, $"history?series={Uri.EscapeDataString($"{topic}|temperature")}&range=1h");

        await Assertions.Expect(page.Locator(".series-chip")).ToContainTextAsync(topic);
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
}
