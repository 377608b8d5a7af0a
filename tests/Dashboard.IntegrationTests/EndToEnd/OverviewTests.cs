using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace Dashboard.IntegrationTests.EndToEnd;

public sealed class OverviewTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task The_broker_status_updates_in_the_browser_without_a_reload()
    {
        await using var app = await DashboardApp.StartAsync();
        var page = await browser.OpenAsync(app);
        var clients = page.Locator("[data-metric='Connected clients']");
        await Assertions.Expect(clients).ToHaveTextAsync("0");

        await using var device = await TestClient.ConnectAsync(app, webSocket: true);

        await Assertions.Expect(clients).ToHaveTextAsync("1");
    }

    [Fact]
    public async Task The_theme_chosen_is_kept_by_the_browser_across_a_reload()
    {
        await using var app = await DashboardApp.StartAsync();
        var page = await browser.OpenAsync(app);
        const string Background = "() => getComputedStyle(document.documentElement).getPropertyValue('--mud-palette-background').trim()";
        var light = await page.EvaluateAsync<string>(Background);

        await page.ClickAsync("button[aria-label='Toggle dark mode']");
        await page.WaitForFunctionAsync($"light => ({Background})() !== light", light);
        var dark = await page.EvaluateAsync<string>(Background);

        await page.ReloadAsync();
        await page.Locator("[data-circuit=connected]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        await page.WaitForFunctionAsync($"dark => ({Background})() === dark", dark);
    }
}
