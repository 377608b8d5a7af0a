using System.Net.Http.Json;

namespace Dashboard.Bench.Security;

/// <summary>Every HTTP call the security bench makes to the Dashboard, with the admin API key the bench made for it.</summary>
internal sealed class DashboardApi : IDisposable
{
    private readonly HttpClient _http;

    private DashboardApi(HttpClient http) => _http = http;

    public static DashboardApi For(BrokerProcess dashboard)
    {
        return new DashboardApi(dashboard.CreateHttpClient(TimeSpan.FromSeconds(60)));
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
    /// snapshot, and with it every remembered password check (CredentialCheck), so the next CONNECTs verify PBKDF2 again.
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
