using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.Playwright;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.EndToEnd;

/// <summary>A kiosk link in a browser that never signed in: the board, live, and nothing else; revoked, it stops.</summary>
public sealed class KioskPageTests(Browser browser, AppFixture fixture) : IClassFixture<Browser>, IClassFixture<AppFixture>
{
    private DashboardApp App => fixture.App;

    private async Task<(long Board, long Link, string Url)> BoardWithKioskAsync(string topic)
    {
        using var http = App.CreateHttpClient();
        var created = await http.PostAsJsonAsync("api/boards", new
        {
            name = "Hall",
            tiles = new object[]
            {
                new { kind = "value", title = "Hall temperature", topic, metric = "temperature", column = 0, row = 0, width = 3, height = 1 },
                new { kind = "text", text = "Back at 5", column = 3, row = 0 },
            },
        });
        var board = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        var link = await (await http.PostAsJsonAsync($"api/boards/{board}/kiosk-links", new { name = "hall tablet" })).Content.ReadFromJsonAsync<JsonElement>();
        return (board, link.GetProperty("link").GetProperty("id").GetInt64(), link.GetProperty("url").GetString()!);
    }

    [Fact]
    public async Task An_anonymous_kiosk_shows_a_reading_change_live_and_stops_when_its_link_is_revoked()
    {
        var topic = $"hall/{Guid.NewGuid():N}/temperature";
        var (board, link, url) = await BoardWithKioskAsync(topic);
        await using var sensor = await TestClient.ConnectAsync(App);
        await sensor.PublishAsync(topic, "19.5 °C", MqttQualityOfServiceLevel.AtLeastOnce);

        var kiosk = await browser.OpenSignedOutAsync(App);
        await kiosk.GotoAsync(url);
        await kiosk.Locator("[data-circuit=connected]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        var value = kiosk.Locator(".board-tile[data-kind=value] .tile-value");
        await Assertions.Expect(kiosk.Locator(".kiosk-title")).ToHaveTextAsync("Hall");
        await Assertions.Expect(value).ToHaveTextAsync("19.5°C");
        await Assertions.Expect(kiosk.Locator(".tile-text")).ToHaveTextAsync("Back at 5");
        await Assertions.Expect(kiosk.Locator("nav, .mud-drawer, .edit-board")).ToHaveCountAsync(0);

        await sensor.PublishAsync(topic, "21.25 °C", MqttQualityOfServiceLevel.AtLeastOnce);
        await Assertions.Expect(value).ToHaveTextAsync("21.25°C");

        using var http = App.CreateHttpClient();
        await http.DeleteAsync($"api/boards/{board}/kiosk-links/{link}");
        await Assertions.Expect(kiosk.Locator("[data-kiosk=revoked]")).ToContainTextAsync("revoked");
        await Assertions.Expect(value).ToHaveCountAsync(0);

        var reload = await kiosk.ReloadAsync();
        Assert.Equal(410, reload!.Status);
        await Assertions.Expect(kiosk.Locator(".kiosk-refused h1")).ToHaveTextAsync("This kiosk link is not valid");
    }

    [Fact]
    public async Task A_kiosk_browser_reaches_no_other_page_nor_api()
    {
        var (board, _, url) = await BoardWithKioskAsync($"hall/{Guid.NewGuid():N}");
        var kiosk = await browser.OpenSignedOutAsync(App);
        await kiosk.GotoAsync(url);
        await kiosk.Locator("[data-circuit=connected]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

        // With the kiosk's cookies, through the browser's own request context.
        foreach (var api in new[] { "api/boards", $"api/boards/{board}", $"api/boards/{board}/kiosk-links", "api/devices", "api/readings/latest", "api/alerts" })
        {
            var response = await kiosk.Context.APIRequest.GetAsync(new Uri(App.HttpBase, api).ToString());
            Assert.True(response.Status == 401, $"{api} answered {response.Status} to the kiosk");
        }

        foreach (var page in new[] { "", "boards", $"boards/{board}", "devices", "settings" })
        {
            await kiosk.GotoAsync(new Uri(App.HttpBase, page).ToString());
            Assert.Contains("/account/login", kiosk.Url, StringComparison.Ordinal);
        }

        var hub = await kiosk.Context.APIRequest.PostAsync(new Uri(App.HttpBase, "hubs/telemetry/negotiate?negotiateVersion=1").ToString());
        Assert.Equal(401, hub.Status);
    }

    [Fact]
    public async Task A_kiosk_browser_routed_from_another_live_page_sees_no_dashboard_page()
    {
        var topic = $"hall/{Guid.NewGuid():N}/secret";
        var (_, _, url) = await BoardWithKioskAsync(topic);
        await using var sensor = await TestClient.ConnectAsync(App);
        await sensor.PublishAsync(topic, "42", MqttQualityOfServiceLevel.AtLeastOnce);
        var kiosk = await browser.OpenSignedOutAsync(App);
        await kiosk.GotoAsync(url);
        await kiosk.Locator("[data-circuit=connected]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

        // The error page needs no sign-in and is interactively routed: its circuit carries the kiosk's cookie.
        await kiosk.GotoAsync(new Uri(App.HttpBase, "error").ToString());
        await kiosk.Locator("[data-circuit=connected]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        foreach (var page in new[] { "/", "/topics", "/devices", "/history", "/alerts", "/boards" })
        {
            await kiosk.EvaluateAsync("path => Blazor.navigateTo(path)", page);
            await Assertions.Expect(kiosk.Locator(".not-allowed")).ToContainTextAsync("kiosk link");
            await Assertions.Expect(kiosk.Locator("nav, .mud-drawer, .mud-appbar")).ToHaveCountAsync(0);
            Assert.DoesNotContain(topic, await kiosk.ContentAsync(), StringComparison.Ordinal);
        }
    }
}
