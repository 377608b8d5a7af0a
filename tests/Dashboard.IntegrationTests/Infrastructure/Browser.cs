using Microsoft.Playwright;

namespace Dashboard.IntegrationTests.Infrastructure;

/// <summary>
/// Debian's headless Chromium driven by Playwright (its own browser download does not work here). One browser
/// per test class; each test opens its own page.
/// </summary>
public sealed class Browser : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

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

    /// <summary>A page on the app, once its Blazor circuit is up (live updates flow from then on).</summary>
    public async Task<IPage> OpenAsync(DashboardApp app, string path = "", int width = 1280)
    {
        var page = await Chromium.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = width, Height = 900 } });
        page.SetDefaultTimeout((float)TestClient.Patience.TotalMilliseconds);
        await page.GotoAsync(new Uri(app.HttpBase, path).ToString());
        await page.Locator("[data-circuit=connected]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        return page;
    }
}
