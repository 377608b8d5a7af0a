using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.Security;

/// <summary>The first-run default: anonymous access on, as the seeds' scripts expect.</summary>
public sealed class AnonymousAccessTests : IAsyncLifetime
{
    private DashboardApp _app = null!;

    public async Task InitializeAsync() => _app = await DashboardApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task The_seeds_username_pw_set_example_connects_and_round_trips()
    {
        // client.username_pw_set("username", "password") on a broker that has no such user: connected anonymously.
        await using var client = await TestClient.ConnectAsync(TestClient.Options(_app).WithCredentials("username", "password").Build());
        await client.SubscribeAsync("seed/test");
        await client.PublishAsync("seed/test", "hello");
        Assert.Equal("hello", (await client.NextAsync()).Text());
    }

    [Fact]
    public async Task A_known_user_with_a_wrong_password_is_refused_even_with_anonymous_access_on()
    {
        using var http = _app.CreateHttpClient();
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("/api/broker-users", new { name = "sensor", password = "right password" })).StatusCode);

        var wrong = await TestClient.ConnectAsync(TestClient.Options(_app, version: MqttProtocolVersion.V500).WithCredentials("sensor", "wrong").Build());
        await using var right = await TestClient.ConnectAsync(TestClient.Options(_app, version: MqttProtocolVersion.V500).WithCredentials("sensor", "right password").Build());
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, wrong.ConnectResult!.ResultCode);
        Assert.True(right.Client.IsConnected);
        await wrong.DisposeAsync();
    }

    [Fact]
    public async Task The_anonymous_acl_limits_anonymous_clients_and_applies_at_once()
    {
        await using var anonymous = await TestClient.ConnectAsync(_app, version: MqttProtocolVersion.V500);
        using var http = _app.CreateHttpClient();
        var put = await http.PutAsJsonAsync("/api/broker-acl/anonymous", new { acl = new[] { new { filter = "public/#", access = "readwrite" } } });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, (await anonymous.SubscribeAsync("private/#")).Items.Single().ResultCode);
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS0, (await anonymous.SubscribeAsync("public/#")).Items.Single().ResultCode);
        var denied = await anonymous.PublishAsync("private/x", "no", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, denied.ReasonCode);
    }

    [Fact]
    public async Task The_users_api_validates_and_never_returns_passwords()
    {
        using var http = _app.CreateHttpClient();
        var bad = await http.PostAsJsonAsync("/api/broker-users", new { name = "a/b", password = "", acl = new[] { new { filter = "x/#/y", access = "all" } } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("name", out _));
        Assert.True(errors.TryGetProperty("password", out _));
        Assert.True(errors.TryGetProperty("acl", out _));

        var partial = await http.PostAsJsonAsync("/api/broker-users", new { name = "d1", password = "partial password", acl = new[] { new { filter = "devices/x%u/#", access = "read" } } });
        Assert.Equal(HttpStatusCode.BadRequest, partial.StatusCode);

        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("/api/broker-users",
            new { name = "d1", password = "first password", acl = new[] { new { filter = "devices/%u/#", access = "readwrite" } } })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsJsonAsync("/api/broker-users", new { name = "d1", password = "again password" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.PutAsJsonAsync("/api/broker-users/d1", new { password = "second password", acl = Array.Empty<object>() })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.PutAsJsonAsync("/api/broker-users/nobody", new { password = "any password" })).StatusCode);

        var listed = await http.GetStringAsync("/api/broker-users");
        Assert.Contains("\"d1\"", listed, StringComparison.Ordinal);
        Assert.DoesNotContain("second password", listed, StringComparison.Ordinal);
        Assert.DoesNotContain("password", listed, StringComparison.OrdinalIgnoreCase);

        // The new password works, the old one does not.
        var old = await TestClient.ConnectAsync(TestClient.Options(_app).WithCredentials("d1", "first password").Build());
        Assert.False(old.Client.IsConnected);
        await old.DisposeAsync();
        await using var current = await TestClient.ConnectAsync(TestClient.Options(_app).WithCredentials("d1", "second password").Build());
        Assert.True(current.Client.IsConnected);

        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync("/api/broker-users/d1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.DeleteAsync("/api/broker-users/d1")).StatusCode);
    }
}
