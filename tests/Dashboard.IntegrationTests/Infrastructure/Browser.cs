using Microsoft.Playwright;

namespace Dashboard.IntegrationTests.Infrastructure;

/// <summary>
/// Debian's headless Chromium driven by Playwright (its own browser download does not work here). One browser
/// per test class; each test opens its own page.
/// </summary>
public sealed class Browser : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly Dictionary<(Uri, string), string> _signedIn = [];
    private IPlaywright? _playwright;

    public IBrowser Chromium { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: run .ci/run, which installs Debian's chromium.");
        }

        // Expectations wait as long as the rest of the tests do: a loaded 2-core CI machine is slower than Playwright's 5 s default assumes.
        Assertions.SetDefaultExpectTimeout((float)TestClient.Patience.TotalMilliseconds);
        _playwright = await Playwright.CreateAsync();
        Chromium = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Without these, Chromium keeps trying to reach Google's services, which this network refuses.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Chromium is not null)
        {
            await Chromium.DisposeAsync();
        }

        _playwright?.Dispose();
    }

    /// <summary>A page on the app signed in as its admin, once its Blazor circuit is up (live updates flow from then on).</summary>
    public Task<IPage> OpenAsync(DashboardApp app, string path = "", int width = 1280) =>
        OpenAsAsync(app, DashboardApp.AdminUser, DashboardApp.AdminPassword, path, width);

    /// <summary>
    /// A page signed in as <paramref name="user"/>: the first time through the login form, as a person does; then with the
    /// cookies that sign-in left (each page gets its own browser context, so pages do not share state otherwise).
    /// </summary>
    public async Task<IPage> OpenAsAsync(DashboardApp app, string user, string password, string path = "", int width = 1280)
    {
        _signedIn.TryGetValue((app.HttpBase, user), out var state);
        var page = await NewPageAsync(width, state);
        await page.GotoAsync(new Uri(app.HttpBase, path).ToString());
        if (state is null)
        {
            await SignInAsync(page, user, password);
            _signedIn[(app.HttpBase, user)] = await page.Context.StorageStateAsync();
        }

        await page.Locator("[data-circuit=connected]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        return page;
    }

    /// <summary>A page with no sign-in (a stranger's browser).</summary>
    public async Task<IPage> OpenSignedOutAsync(DashboardApp app, string path = "", int width = 1280)
    {
        var page = await NewPageAsync(width, state: null);
        await page.GotoAsync(new Uri(app.HttpBase, path).ToString());
        return page;
    }

    /// <summary>
    /// Fills and sends the login form the page is on, and waits until it has left it. Twice in CI runs of 2026-12-05 the form
    /// was sent and the page stayed on the login form, idle, with no message (not reproduced alone or under load since): the
    /// form is sent once more then, and a page that still stays says what it shows.
    /// </summary>
    public static async Task SignInAsync(IPage page, string user, string password)
    {
        for (var attempt = 1; ; attempt++)
        {
            await page.Locator("#username").FillAsync(user);
            await page.Locator("#password").FillAsync(password);
            await page.Locator("button[type=submit]").ClickAsync();
            try
            {
                await page.WaitForURLAsync(url => !url.Contains("/account/login", StringComparison.Ordinal),
                    new PageWaitForURLOptions { Timeout = (float)TestClient.Patience.TotalMilliseconds * (attempt == 1 ? 1 : 3) });
                return;
            }
            catch (TimeoutException ex)
            {
                var text = await page.Locator("body").InnerTextAsync();
                if (attempt == 2 || await page.Locator(".account-error").CountAsync() > 0)
                {
                    throw new TimeoutException($"Still on {page.Url} after signing in as {user} ({attempt} tries); the page says: {text[..Math.Min(text.Length, 600)]}", ex);
                }
            }
        }
    }

    // Contexts close with the browser at the end of the test class (a page's Close event firing during that would race it).
    private async Task<IPage> NewPageAsync(int width, string? state)
    {
        var context = await Chromium.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = 900 },
            StorageState = state,
        });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout((float)TestClient.Patience.TotalMilliseconds);
        page.SetDefaultNavigationTimeout((float)(TestClient.Patience * 3).TotalMilliseconds); // a page load on a busy CI machine: seconds
        return page;
    }
}
