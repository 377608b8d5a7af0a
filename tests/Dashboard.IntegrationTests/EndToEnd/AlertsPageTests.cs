using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace Dashboard.IntegrationTests.EndToEnd;

public sealed class AlertsPageTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task A_rule_made_in_the_ui_raises_an_alert_live_that_can_be_acknowledged_and_clears()
    {
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?> { ["Alerts:EvaluationInterval"] = "00:00:00.200" });
        var page = await browser.OpenAsync(app, "alerts");
        var otherTab = await browser.OpenAsync(app, "alerts");

        await page.ClickAsync(".new-rule");
        await page.FillAsync(".rule-name input", "Living room too hot");
        await page.FillAsync(".rule-filter input", "home/+/temperature");
        await page.FillAsync(".rule-threshold input", "25");
        await page.FillAsync(".rule-hysteresis input", "1");
        await page.FillAsync(".rule-for input", "1");
        await page.ClickAsync(".rule-save");
        await Assertions.Expect(page.Locator(".alert-rules")).ToContainTextAsync("Living room too hot");
        await Assertions.Expect(page.Locator(".alert-rules")).ToContainTextAsync("> 25 for 1 s (clears at 24)");
        await Assertions.Expect(page.Locator(".open-alerts-empty")).ToBeVisibleAsync();
        await Assertions.Expect(otherTab.Locator(".alert-rules")).ToContainTextAsync("Living room too hot"); // without a reload

        await using var sensor = await TestClient.ConnectAsync(app, "temperature_sensor");
        await sensor.PublishAsync("home/livingroom/temperature", "26.5");

        var row = page.Locator(".open-alerts .alert-row");
        await Assertions.Expect(row).ToContainTextAsync("home/livingroom/temperature is 26.5 (> 25 for 1 s)");
        await Assertions.Expect(row.Locator(".alert-state")).ToHaveTextAsync("Active");
        await Assertions.Expect(page.Locator(".alert-toast")).ToContainTextAsync("Living room too hot: home/livingroom/temperature is 26.5");
        await Assertions.Expect(page.Locator(".alert-count")).ToHaveTextAsync("1");

        await row.Locator(".ack-button").ClickAsync();

        await Assertions.Expect(row.Locator(".alert-state")).ToHaveTextAsync("Acknowledged");
        await Assertions.Expect(row.Locator(".acknowledged-by")).ToContainTextAsync($"by {DashboardApp.AdminUser}");
        await Assertions.Expect(page.Locator(".alert-count")).ToHaveCountAsync(0);

        await sensor.PublishAsync("home/livingroom/temperature", "23");

        await Assertions.Expect(page.Locator(".open-alerts-empty")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".cleared-alerts")).ToContainTextAsync("home/livingroom/temperature is 26.5");
    }

    [Fact]
    public async Task A_low_disk_space_rule_made_in_the_ui_shows_as_broker_health_and_raises_an_alert_saying_the_space_left()
    {
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?> { ["Alerts:EvaluationInterval"] = "00:00:00.200" });
        var page = await browser.OpenAsync(app, "alerts");

        await page.ClickAsync(".new-rule");
        await page.ClickAsync(".rule-kind");
        await page.GetByRole(AriaRole.Option, new() { Name = "the broker's health needs a look" }).ClickAsync();
        await Assertions.Expect(page.Locator(".rule-name input")).ToHaveValueAsync("Failed logins"); // the signal's usual values
        await Assertions.Expect(page.Locator(".rule-window input")).ToHaveValueAsync("300");
        await page.ClickAsync(".rule-signal");
        await page.GetByRole(AriaRole.Option, new() { Name = "free disk space runs low (in MB)" }).ClickAsync();
        await Assertions.Expect(page.Locator(".rule-name input")).ToHaveValueAsync("Low disk space");
        await Assertions.Expect(page.Locator(".rule-threshold input")).ToHaveValueAsync("1000");
        await Assertions.Expect(page.Locator(".rule-window")).ToHaveCountAsync(0);
        await page.FillAsync(".rule-threshold input", "1000000000"); // more than any disk has
        await page.FillAsync(".rule-for input", "0");
        await page.ClickAsync(".rule-save");

        await Assertions.Expect(page.Locator(".alert-rules")).ToContainTextAsync("broker: free disk space");
        await Assertions.Expect(page.Locator(".alert-rules")).ToContainTextAsync("Broker health: free disk space < 1000000000 MB");
        var row = page.Locator(".open-alerts .alert-row");
        await Assertions.Expect(row).ToContainTextAsync("MB free");
        await Assertions.Expect(row.Locator(".alert-rule")).ToHaveTextAsync("Low disk space");
    }
}
