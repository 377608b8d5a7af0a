using System.Net;
using Dashboard.IntegrationTests.Infrastructure;
using Dashboard.Live;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MQTTnet;

namespace Dashboard.IntegrationTests.EndToEnd;

/// <summary>A device's page in Chromium: its presence timeline, and an admin naming, grouping and forgetting it.</summary>
public sealed class DevicePageTests(Browser browser, AppFixture fixture) : IClassFixture<Browser>, IClassFixture<AppFixture>
{
    private DashboardApp App => fixture.App;

    [Fact]
    public async Task An_admin_names_groups_and_forgets_a_device_and_its_timeline_shows_why_it_went_offline()
    {
        var device = "lab/e2e-" + Guid.NewGuid().ToString("N")[..8];
        var clientId = "bench-" + Guid.NewGuid().ToString("N")[..8];
        var sensor = await TestClient.ConnectAsync(TestClient.Options(App, clientId)
            .WithWillTopic($"{device}/status").WithWillPayload("offline").WithWillRetain().Build());
        await sensor.PublishAsync($"{device}/status", "online", retain: true);
        await sensor.PublishAsync($"{device}/temperature", "21.5");
        var live = App.Services.GetRequiredService<LiveState>();
        await DashboardApp.WaitUntilAsync(() => live.Device(device) is { Metrics.Count: 1 }, "the device and its reading");
        var page = await browser.OpenAsync(App, "devices/" + device);

        sensor.Client.Dispose(); // the connection drops: the broker sends the will
        var latest = page.Locator(".presence-changes tr").First;
        await Assertions.Expect(latest).ToHaveAttributeAsync("data-cause", "will");
        await Assertions.Expect(latest).ToContainTextAsync($"Last Will of {clientId}");
        await Assertions.Expect(page.Locator(".uptime[data-window='24h']")).ToContainTextAsync("% of 24 h");

        await page.Locator(".edit-device").ClickAsync();
        await page.Locator(".settings-name input").FillAsync("Bench sensor");
        await page.Locator(".settings-group input").FillAsync("Lab");
        await page.Locator("tr[data-metric='temperature'] .metric-unit-input input").FillAsync("°F");
        await page.Locator(".save-settings").ClickAsync();
        await Assertions.Expect(page.Locator("h1.device-title")).ToHaveTextAsync("Bench sensor");
        await Assertions.Expect(page.Locator(".device-group-chip")).ToHaveTextAsync("Lab");
        await Assertions.Expect(page.Locator("[data-metric='temperature'] .metric-reading")).ToHaveTextAsync("21.5°F");

        await page.Locator(".forget-device").ClickAsync();
        await page.Locator(".forget-retained input").CheckAsync();
        await page.Locator(".confirm-forget").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/devices$")); // Blazor navigates in the page: no load event
        await Assertions.Expect(page.Locator(".devices-table")).Not.ToContainTextAsync(device);

        using var http = App.CreateHttpClient();
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("api/devices/" + device)).StatusCode);
    }
}
