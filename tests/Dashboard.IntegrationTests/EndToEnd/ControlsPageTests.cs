using Dashboard.Accounts;
using Dashboard.IntegrationTests.Controls;
using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace Dashboard.IntegrationTests.EndToEnd;

/// <summary>A device's controls in Chromium: an admin flips a relay and sees its round trip; a viewer sees the state only.</summary>
public sealed class ControlsPageTests(Browser browser, AppFixture fixture) : IClassFixture<Browser>, IClassFixture<AppFixture>
{
    private DashboardApp App => fixture.App;

    [Fact]
    public async Task An_admin_flips_a_relay_on_the_device_page_and_sees_it_confirmed_while_a_viewer_sees_only_its_state()
    {
        var name = "lamp-" + Guid.NewGuid().ToString("N")[..8];
        await using var device = await EchoDevice.StartAsync(App, "tasmota", name);
        using var http = App.CreateHttpClient();
        await ControlRoundTripTests.WaitForControlAsync(http, name, $"cmnd/{name}/POWER");

        var page = await browser.OpenAsync(App, "devices/" + name);
        var control = page.Locator($".control-row[data-control='cmnd/{name}/POWER']");
        await Assertions.Expect(control.Locator(".control-state")).ToHaveTextAsync("OFF");
        await control.Locator(".control-switch input").ClickAsync();

        var trip = control.Locator(".round-trip");
        await Assertions.Expect(trip).ToHaveAttributeAsync("data-outcome", "confirmed");
        await Assertions.Expect(trip).ToContainTextAsync("delivered to 1 (PUBACK)");
        await Assertions.Expect(trip).ToContainTextAsync("confirmed in");
        await Assertions.Expect(control.Locator(".control-state")).ToHaveTextAsync("ON");
        await device.WaitForLineAsync(line => line == $"got cmnd/{name}/POWER ON");

        await App.CreateAccountAsync("viewer-" + name, "viewer password", DashboardRoles.Viewer);
        var viewerPage = await browser.OpenAsAsync(App, "viewer-" + name, "viewer password", "devices/" + name);
        var seen = viewerPage.Locator($".control-row[data-control='cmnd/{name}/POWER']");
        await Assertions.Expect(seen.Locator(".control-state")).ToHaveTextAsync("ON");
        await Assertions.Expect(seen.Locator(".control-switch")).ToHaveCountAsync(0);
    }
}
