using System.Net.Http.Json;

namespace Dashboard.Bench.Security;

/// <summary>
/// Every HTTP call the security bench makes to the Dashboard goes through here, so that authenticating them is one
/// change. Today <c>/api/*</c> is open; when the dashboard login lands it needs <c>X-Api-Key</c>, which this sends when
/// <c>BENCH_API_KEY</c> is set.
/// </summary>
internal sealed class DashboardApi : IDisposable
{
    private const string ApiKeyHeader = "X-Api-Key";
    private readonly HttpClient _http;

    private DashboardApi(HttpClient http) => _http = http;

    public static DashboardApi For(BrokerProcess dashboard)
    {
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{dashboard.HttpPort}"), Timeout = TimeSpan.FromSeconds(60) };
        if (Environment.GetEnvironmentVariable("BENCH_API_KEY") is { Length: > 0 } key)
        {
            http.DefaultRequestHeaders.Add(ApiKeyHeader, key);
        }

        return new DashboardApi(http);
    }

    /// <summary>POST /api/broker-users: a user with its ACL (the password is hashed by the app, PBKDF2).</summary>
    public async Task CreateUserAsync(string name, string password, IReadOnlyList<(string Filter, string Access)> acl, CancellationToken cancellationToken)
    {
        var body = new { name, password, acl = acl.Select(a => new { filter = a.Filter, access = a.Access }) };
        using var response = await _http.PostAsJsonAsync("/api/broker-users", body, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST /api/broker-users for '{name}' answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    /// <summary>
    /// PUT /api/broker-users/{name} with the same ACL and no password: changes nothing, but the app replaces its users
    /// snapshot, and with it every remembered password check (BrokerUsers), so the next CONNECTs verify PBKDF2 again.
    /// </summary>
    public async Task TouchUserAsync(string name, IReadOnlyList<(string Filter, string Access)> acl, CancellationToken cancellationToken)
    {
        var body = new { acl = acl.Select(a => new { filter = a.Filter, access = a.Access }) };
        using var response = await _http.PutAsJsonAsync($"/api/broker-users/{Uri.EscapeDataString(name)}", body, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"PUT /api/broker-users/{name} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    public void Dispose() => _http.Dispose();
}
