using System.Net;
using Dashboard.Accounts;
using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Dashboard.IntegrationTests.EndToEnd;

/// <summary>Signing in, onboarding, lockout and roles, in a real browser.</summary>
public sealed class LoginPageTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task The_first_visitor_creates_the_admin_and_is_signed_in()
    {
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?> { ["Dashboard:Admin:Username"] = "" });
        var page = await browser.OpenSignedOutAsync(app);
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/setup$"));
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Create the admin account");

        await page.FillAsync("#username", "owner");
        await page.FillAsync("#password", "short");
        await page.FillAsync("#confirm", "short");
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.Locator(".account-error")).ToContainTextAsync("at least 8 characters");
        await Assertions.Expect(page.Locator("#password")).ToHaveValueAsync("");

        await page.FillAsync("#password", "a long enough password");
        await page.FillAsync("#confirm", "a long enough password");
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.Locator(".user-name")).ToHaveTextAsync("owner");
        await Assertions.Expect(page.Locator(".user-role")).ToHaveTextAsync("Admin");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Overview");

        // Onboarding is over: the setup page now sends everyone to sign in.
        var stranger = await browser.OpenSignedOutAsync(app, "account/setup");
        await Assertions.Expect(stranger).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login$"));
    }

    [Fact]
    public async Task Signing_out_ends_the_session()
    {
        await using var app = await DashboardApp.StartAsync();
        var page = await browser.OpenSignedOutAsync(app, "devices");
        await Browser.SignInAsync(page, DashboardApp.AdminUser, DashboardApp.AdminPassword);
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/devices$"));
        await page.Locator("[data-circuit=connected]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

        await page.ClickAsync("button[aria-label='Sign out']");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login$"));
        await page.GotoAsync(new Uri(app.HttpBase, "devices").ToString());
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login\\?ReturnUrl=%2Fdevices$"));
    }

    [Fact]
    public async Task Repeated_wrong_passwords_from_one_address_are_throttled_before_the_account_locks()
    {
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?> { ["Dashboard:MaxFailedSignIns"] = "3" });
        var page = await browser.OpenSignedOutAsync(app, "account/login");
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            await Login(page, DashboardApp.AdminUser, "wrong password");
            await Assertions.Expect(page.Locator(".account-error")).ToHaveTextAsync(Components.Account.Login.FailedMessage);
            await Assertions.Expect(page.Locator("#password")).ToHaveValueAsync("");
        }

        // One address may fail MaxFailedSignIns - 1 times: then it waits, and the account is not locked.
        await Login(page, DashboardApp.AdminUser, DashboardApp.AdminPassword);
        await Assertions.Expect(page.Locator(".account-error")).ToHaveTextAsync("Too many sign-in attempts from your address; try again in 5 minutes.");
        Assert.Contains("/account/login", page.Url, StringComparison.Ordinal);
        await using var scope = app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<Microsoft.AspNetCore.Identity.IdentityUser>>();
        Assert.False(await users.IsLockedOutAsync((await users.FindByNameAsync(DashboardApp.AdminUser))!));
    }

    [Fact]
    public async Task After_sign_in_a_return_url_to_another_site_is_ignored()
    {
        await using var app = await DashboardApp.StartAsync();
        var page = await browser.OpenSignedOutAsync(app, "account/login?ReturnUrl=%2F%2Fexample.org%2Fphish");
        await Browser.SignInAsync(page, DashboardApp.AdminUser, DashboardApp.AdminPassword);
        await Assertions.Expect(page).ToHaveURLAsync(app.HttpBase.ToString());
    }

    [Fact]
    public async Task A_viewer_sees_everything_and_can_change_nothing()
    {
        await using var app = await DashboardApp.StartAsync();
        await app.CreateAccountAsync("watcher", "viewer password", DashboardRoles.Viewer);

        var page = await browser.OpenAsAsync(app, "watcher", "viewer password", "topics");
        await Assertions.Expect(page.Locator(".user-role")).ToHaveTextAsync("Viewer");
        await Assertions.Expect(page.Locator(".publish-viewer")).ToContainTextAsync("needs an admin account");
        await Assertions.Expect(page.Locator(".publish-button")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("nav a[href='settings']")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator(".anonymous-banner")).ToContainTextAsync("An admin can turn it off");

        await page.GotoAsync(new Uri(app.HttpBase, "alerts").ToString());
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Alerts");
        await Assertions.Expect(page.Locator(".new-rule")).ToHaveCountAsync(0);

        await page.GotoAsync(new Uri(app.HttpBase, "settings").ToString());
        await Assertions.Expect(page.Locator(".not-allowed")).ToContainTextAsync("for admins only");
        await Assertions.Expect(page.Locator(".add-user")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task An_admin_adds_a_viewer_and_an_api_key_in_settings()
    {
        await using var app = await DashboardApp.StartAsync();
        var page = await browser.OpenAsync(app, "settings");

        await page.FillAsync(".new-account-name input", "guest");
        await page.FillAsync(".new-account-password input", "guest password");
        await page.ClickAsync(".add-account");
        await Assertions.Expect(page.Locator(".account-row[data-account='guest']")).ToContainTextAsync("Viewer");

        await page.FillAsync(".new-key-name input", "grafana");
        await page.ClickAsync(".create-key");
        var secret = await page.Locator(".new-key-secret").TextContentAsync();
        await Assertions.Expect(page.Locator(".key-row[data-key='grafana']")).ToContainTextAsync("never");

        using var script = app.CreateHttpClient(secret);
        Assert.Equal(HttpStatusCode.OK, (await script.GetAsync("/api/devices")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await script.GetAsync("/api/broker-users")).StatusCode);

        var guest = await browser.OpenAsAsync(app, "guest", "guest password");
        await Assertions.Expect(guest.Locator(".user-name")).ToHaveTextAsync("guest");
    }

    private static async Task Login(IPage page, string user, string password)
    {
        await page.FillAsync("#username", user);
        await page.FillAsync("#password", password);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForLoadStateAsync(LoadState.Load);
    }
}
