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
}
