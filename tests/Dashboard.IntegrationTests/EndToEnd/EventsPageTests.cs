using System.Net.Http.Json;
using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.Playwright;
using MQTTnet.Formatter;

namespace Dashboard.IntegrationTests.EndToEnd;

public sealed class EventsPageTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task A_refused_login_shows_up_live_and_the_list_filters_by_kind_and_text()
    {
        await using var app = await DashboardApp.StartAsync();
        using var http = app.CreateHttpClient();
        await http.PostAsJsonAsync("/api/broker-users", new { name = "alice", password = "alice's password" });
        await http.PostAsJsonAsync("/api/bans", new { kind = "clientId", value = "spammer" });
        var page = await browser.OpenAsync(app, "events");
        await Assertions.Expect(page.Locator(".events .event-detail")).ToHaveTextAsync(["banned client id spammer until lifted"]);

        await using (await TestClient.ConnectAsync(TestClient.Options(app, "intruder", version: MqttProtocolVersion.V500).WithCredentials("alice", "guess").Build()))
        {
        }

        var refused = page.Locator(".events tr", new() { Has = page.Locator(".event-client", new() { HasText = "intruder" }) });
        await Assertions.Expect(refused).ToContainTextAsync("Connection refused");
        await Assertions.Expect(refused).ToContainTextAsync("alice · 127.0.0.1");
        await Assertions.Expect(refused).ToContainTextAsync("code 0x86");

        await page.FillAsync(".event-search input", "spammer");
        await Assertions.Expect(page.Locator(".events .event-kind-chip")).ToHaveTextAsync(["Admin action"]);
        await page.FillAsync(".event-search input", "");
        await page.ClickAsync(".event-kind");
        await page.GetByRole(AriaRole.Option, new() { Name = "Connection refused" }).ClickAsync();
        await Assertions.Expect(page.Locator(".events .event-kind-chip")).ToHaveTextAsync(["Connection refused"]);
    }
}
