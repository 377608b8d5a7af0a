using System.Net.Http.Json;
using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace Dashboard.IntegrationTests.EndToEnd;

public sealed class NotificationChannelsPageTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task A_channel_made_in_the_dialog_sends_a_test_and_a_failing_one_shows_the_receivers_error()
    {
        await using var ntfy = new HttpReceiver();
        await using var telegram = new HttpReceiver { Answer = (400, """{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}""") };
        await using var app = await DashboardApp.StartAsync();
        using var http = app.CreateHttpClient();
        var created = await http.PostAsJsonAsync("api/notification-channels", new
        {
            name = "team bot",
            kind = "telegram",
            settings = new { chatId = "-100123", apiUrl = telegram.Url },
            secrets = new { botToken = "123:page-secret" },
        });
        created.EnsureSuccessStatusCode();
        var page = await browser.OpenAsync(app, "alerts");

        await page.ClickAsync(".new-channel");
        await page.FillAsync(".channel-name input", "ops hook");
        await page.FillAsync(".channel-url input", ntfy.Url + "hook");
        await page.FillAsync(".secret-headers textarea", "Authorization: Bearer hook-page-secret");
        await page.ClickAsync(".channel-save");
        var hook = page.Locator(".channel-row[data-channel='ops hook']");
        await Assertions.Expect(hook).ToContainTextAsync("POST http://127.0.0.1");
        await Assertions.Expect(hook).ToContainTextAsync("none yet");

        await hook.Locator(".channel-test").ClickAsync();
        await Assertions.Expect(hook.Locator(".test-outcome")).ToHaveTextAsync("Test sent: the receiver took it.");
        Assert.Equal("Bearer hook-page-secret", (await ntfy.NextAsync()).Headers["Authorization"]);

        var bot = page.Locator(".channel-row[data-channel='team bot']");
        await bot.Locator(".channel-test").ClickAsync();
        await Assertions.Expect(bot.Locator(".test-outcome")).ToHaveTextAsync("Test failed: Telegram answered HTTP 400 Bad Request: Bad Request: chat not found");
        var later = await browser.OpenAsync(app, "alerts"); // another visit shows the channel's last error
        await Assertions.Expect(later.Locator(".channel-row[data-channel='team bot'] .channel-last-error")).ToContainTextAsync("chat not found");
        await Assertions.Expect(later.Locator(".channel-row[data-channel='ops hook'] .channel-last-ok")).ToContainTextAsync("last went through");

        await bot.Locator(".channel-edit").ClickAsync();
        await Assertions.Expect(page.Locator(".channel-dialog .secret-set[data-secret='botToken'] input")).ToHaveValueAsync("set");
        var html = await page.ContentAsync();
        Assert.DoesNotContain("page-secret", html);
    }
}
