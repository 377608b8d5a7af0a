using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace Dashboard.IntegrationTests.External;

/// <summary>What an admin sees in a browser when the dashboard is a client of an external broker.</summary>
public sealed class ExternalBrokerPagesTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task The_broker_administration_pages_say_the_external_broker_owns_them_and_readings_show_live()
    {
        await using var mosquitto = await Mosquitto.StartAsync();
        await using var app = await DashboardApp.StartAsync(settings: mosquitto.Settings("dash-" + Guid.NewGuid().ToString("N")[..8]));
        using var http = app.CreateHttpClient();
        await ExternalBrokerTests.WaitForHealthyAsync(http);
        var address = $"mqtt://127.0.0.1:{mosquitto.Port}";

        var page = await browser.OpenAsync(app, "clients");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Clients");
        await Assertions.Expect(page.Locator(".external-broker-notice")).ToContainTextAsync($"Managed by the external broker {address}");
        await Assertions.Expect(page.Locator("nav a[href='settings']")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("nav a[href='clients']")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("nav a[href='retained']")).ToHaveCountAsync(0);

        await page.GotoAsync(new Uri(app.HttpBase, "settings").ToString());
        await Assertions.Expect(page.Locator(".external-broker-notice")).ToContainTextAsync("its users and ACLs are administered there");
        await Assertions.Expect(page.Locator(".add-user")).ToHaveCountAsync(0);

        await page.GotoAsync(app.HttpBase.ToString());
        await Assertions.Expect(page.Locator("[data-metric='External broker']")).ToHaveTextAsync("connected");
        var device = "ext/live-" + Guid.NewGuid().ToString("N")[..8];
        await mosquitto.PublishAsync($"{device}/temperature", "19.25");
        await Assertions.Expect(page.GetByText("19.25").First).ToBeVisibleAsync();
    }
}
