using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dashboard.IntegrationTests.Infrastructure;

namespace Dashboard.IntegrationTests.Security;

/// <summary>Bad HTTP input gets a clear refusal, and what the app keeps on disk is its owner's alone.</summary>
public sealed class HardeningTests
{
    [Fact]
    public async Task A_broker_user_password_shorter_than_the_accounts_minimum_is_refused()
    {
        await using var app = await DashboardApp.StartAsync();
        using var http = app.CreateHttpClient();

        var response = await http.PostAsJsonAsync("/api/broker-users", new { name = "sensor", password = "short" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Contains("at least 8 characters", errors.GetProperty("password")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("/api/broker-users", new { name = "sensor", password = "long enough" })).StatusCode);
    }

    [Fact]
    public async Task A_json_key_given_twice_is_refused_with_400()
    {
        await using var app = await DashboardApp.StartAsync();
        using var http = app.CreateHttpClient();

        var rule = await http.PostAsync("/api/alert-rules", Json("""
            {"name": "hot", "kind": "threshold", "topicFilter": "x/#", "metric": "t", "operator": ">", "threshold": 1, "threshold": 99}
            """));
        var user = await http.PostAsync("/api/broker-users", Json("""{"name": "a", "password": "long enough", "name": "b"}"""));
        var key = await http.PostAsync("/api/api-keys", Json("""{"name": "a", "role": "Viewer", "role": "Admin"}"""));

        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest), (rule.StatusCode, user.StatusCode, key.StatusCode));
        Assert.Contains("threshold", await rule.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(await http.GetFromJsonAsync<JsonElement[]>("/api/broker-users") ?? []);
    }

    [Fact]
    public async Task A_body_over_the_limit_gets_413_not_a_server_error()
    {
        await using var app = await DashboardApp.StartAsync();

        // Announced over Kestrel's 30 MB request body limit; the reply comes before the body is sent.
        Assert.StartsWith("HTTP/1.1 413", await PostHeadersOnlyAsync(app, "/api/alert-rules", 31 * 1024 * 1024), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 413", await PostHeadersOnlyAsync(app, "/api/broker-users", 31 * 1024 * 1024), StringComparison.Ordinal);
    }

    private static async Task<string> PostHeadersOnlyAsync(DashboardApp app, string path, long contentLength)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync("127.0.0.1", app.HttpPort);
        var stream = tcp.GetStream();
        var request = $"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{app.HttpPort}\r\nX-Api-Key: {app.AdminApiKey}\r\n" +
            $"Content-Type: application/json\r\nContent-Length: {contentLength}\r\n\r\n{{";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        using var timeout = new CancellationTokenSource(TestClient.Patience);
        return await reader.ReadLineAsync(timeout.Token) ?? "";
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task The_data_folder_database_and_keys_are_the_owners_alone_and_the_log_says_what_listens()
    {
        var folder = Path.Combine(Path.GetTempPath(), "dashboard-tests", Guid.NewGuid().ToString("N"));
        var database = Path.Combine(folder, "dashboard.db");
        await using (var app = await AppProcess.StartAsync(database))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(folder, "keys")));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(database));
            Assert.Contains($"mqtt://127.0.0.1:{app.MqttPort}", app.Output, StringComparison.Ordinal);
            Assert.Contains("Anonymous MQTT clients are allowed", app.Output, StringComparison.Ordinal);
        }

        Directory.Delete(folder, recursive: true);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
