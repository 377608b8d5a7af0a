using System.Diagnostics;
using System.Globalization;
using Microsoft.Playwright;

namespace Dashboard.Bench.Live;

/// <summary>A reading the page showed: when the card's text changed (DOM) and the next frame after it, both Unix ms.</summary>
internal sealed record SeenReading(double DomTime, double FrameTime, string Device, string Metric, string Text);

/// <summary>
/// Debian's headless Chromium driven by Playwright, one page on the app at a time. The page records every change of a
/// device card's reading with a MutationObserver (installed by <see cref="WatchReadingsAsync"/>), read back by
/// <see cref="TakeReadingsAsync"/>.
/// </summary>
internal sealed class DashboardBrowser : IAsyncDisposable
{
    // Runs in the page. The observer's callback runs right after the DOM change, before the page is painted; a
    // requestAnimationFrame callback then gives the start of the next frame, when the change reaches the screen.
    private const string WatchScript = """
        () => {
          if (window.__benchSeen) return;
          const seen = window.__benchSeen = [];
          const record = (reading, batch) => {
            const row = reading.closest('[data-metric]');
            const card = reading.closest('[data-device]');
            if (row && card) seen.push({ batch, device: card.getAttribute('data-device'), metric: row.getAttribute('data-metric'), text: reading.textContent });
          };
          new MutationObserver(mutations => {
            const batch = { dom: Date.now(), frame: 0 };
            requestAnimationFrame(() => { batch.frame = Date.now(); });
            for (const m of mutations) {
              const target = m.target.nodeType === Node.ELEMENT_NODE ? m.target : m.target.parentElement;
              const reading = target && target.closest('.metric-reading');
              if (reading) { record(reading, batch); continue; }
              for (const node of m.addedNodes) {
                if (node.nodeType !== Node.ELEMENT_NODE) continue;
                if (node.matches('.metric-reading')) record(node, batch);
                node.querySelectorAll('.metric-reading').forEach(r => record(r, batch));
              }
            }
          }).observe(document.body, { subtree: true, childList: true, characterData: true });
        }
        """;

    private const string TakeScript = """
        () => (window.__benchSeen || []).splice(0)
          .map(s => [s.batch.dom, s.batch.frame, s.device, s.metric, s.text].join('\t')).join('\n')
        """;

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly TimeSpan _patience;
    private IBrowserContext? _context;

    private DashboardBrowser(IPlaywright playwright, IBrowser browser, TimeSpan patience)
    {
        _playwright = playwright;
        _browser = browser;
        _patience = patience;
    }

    public IPage Page { get; private set; } = null!;

    public static async Task<DashboardBrowser> LaunchAsync(string chromium, TimeSpan patience)
    {
        if (!File.Exists(chromium))
        {
            throw new FileNotFoundException($"{chromium} not found: install Debian's chromium (apt-get install chromium); Playwright's own browser download is not used.");
        }

        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = chromium,
                Headless = true,
                // Without the last four, Chromium keeps trying to reach Google's services, which this network refuses.
                Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            });
            return new DashboardBrowser(playwright, browser, patience);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    public string Version => _browser.Version;

    /// <summary>A fresh browser context (no cache) with one page on <paramref name="url"/>, once its Blazor circuit is up.</summary>
    public async Task OpenAsync(string url)
    {
        if (_context is not null)
        {
            await _context.DisposeAsync();
        }

        _context = await _browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        Page = await _context.NewPageAsync();
        Page.SetDefaultTimeout((float)_patience.TotalMilliseconds);
        await SignInAsync(new Uri(new Uri(url), "/account/login").ToString());
        await GoToAsync(url);
    }

    // As a person does, once per context; the cookie then serves every page the run opens.
    private async Task SignInAsync(string loginUrl)
    {
        await Page.GotoAsync(loginUrl);
        await Page.Locator("#username").FillAsync(BrokerProcess.AdminUser);
        await Page.Locator("#password").FillAsync(BrokerProcess.AdminPassword);
        await Page.Locator("button[type=submit]").ClickAsync();
        await Page.WaitForURLAsync(u => !u.Contains("/account/login", StringComparison.Ordinal));
    }

    /// <summary>Navigates the page (a full load, as a typed address or a reload does); returns when it loaded and when its circuit was up.</summary>
    public async Task<(TimeSpan Loaded, TimeSpan Interactive)> GoToAsync(string url)
    {
        var start = Stopwatch.GetTimestamp();
        await Page.GotoAsync(url, new PageGotoOptions { WaitUntil = WaitUntilState.Load });
        var loaded = Stopwatch.GetElapsedTime(start);
        await Page.Locator("[data-circuit=connected]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        return (loaded, Stopwatch.GetElapsedTime(start));
    }

    public Task WatchReadingsAsync() => Page.EvaluateAsync(WatchScript);

    /// <summary>The readings recorded since the last call.</summary>
    public async Task<List<SeenReading>> TakeReadingsAsync()
    {
        var text = await Page.EvaluateAsync<string>(TakeScript);
        var readings = new List<SeenReading>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split('\t');
            readings.Add(new SeenReading(double.Parse(f[0], CultureInfo.InvariantCulture), double.Parse(f[1], CultureInfo.InvariantCulture), f[2], f[3], f[4]));
        }

        return readings;
    }

    /// <summary>
    /// Waits until every (device, metric) card shows the expected text; null then, else (after <paramref name="timeout"/>)
    /// what the page shows instead.
    /// </summary>
    public async Task<string?> ShowsReadingsAsync(IReadOnlyDictionary<(string Device, string Metric), string> expected, TimeSpan timeout)
    {
        var list = expected.Select(e => new[] { e.Key.Device, e.Key.Metric, e.Value }).ToArray();
        try
        {
            await Page.WaitForFunctionAsync("""
                expected => expected.every(([device, metric, text]) => {
                  const el = document.querySelector(`[data-device="${device}"] [data-metric="${metric}"] .metric-reading`);
                  return el && el.textContent.trim() === text;
                })
                """, list, new PageWaitForFunctionOptions { PollingInterval = 50, Timeout = (float)timeout.TotalMilliseconds });
            return null;
        }
        catch (TimeoutException)
        {
            return await Page.EvaluateAsync<string>("""
                expected => {
                  const wrong = expected.map(([device, metric, text]) => {
                    const el = document.querySelector(`[data-device="${device}"] [data-metric="${metric}"] .metric-reading`);
                    return [device, metric, text, el ? el.textContent.trim() : 'missing'];
                  }).filter(([, , text, shown]) => text !== shown);
                  const circuit = document.querySelector('[data-circuit]')?.getAttribute('data-circuit');
                  const error = document.getElementById('blazor-error-ui');
                  return `after ${Math.round(performance.now() / 1000)} s on the page, ${wrong.length} of ${expected.length} cards do not show their last value ` +
                    `(circuit ${circuit}, error bar ${error ? getComputedStyle(error).display : 'absent'}); e.g. ` +
                    wrong.slice(0, 3).map(([d, m, t, s]) => `${d}/${m} shows ${s}, expected ${t}`).join('; ');
                }
                """, list);
        }
    }

    /// <summary>Waits until the element matching <paramref name="selector"/> starts with a number that satisfies the JS <paramref name="test"/> (n => bool).</summary>
    public async Task<TimeSpan> WaitForNumberAsync(string selector, string test)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            await Page.WaitForFunctionAsync($$"""
                () => {
                  const el = document.querySelector('{{selector}}');
                  const n = el ? parseInt(el.textContent, 10) : NaN;
                  return !isNaN(n) && ({{test}})(n);
                }
                """, null, new PageWaitForFunctionOptions { PollingInterval = 20 });
        }
        catch (TimeoutException)
        {
            var shown = await Page.EvaluateAsync<string>($"() => document.querySelector('{selector}')?.textContent ?? 'nothing'");
            throw new TimeoutException($"{selector} did not satisfy {test} within {_patience.TotalSeconds:F0} s; it shows {shown}.");
        }

        return Stopwatch.GetElapsedTime(start);
    }

    public async ValueTask DisposeAsync()
    {
        if (_context is not null)
        {
            await _context.DisposeAsync();
        }

        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
