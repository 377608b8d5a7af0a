using System.Net;
using System.Net.Http.Json;
using Dashboard.IntegrationTests.Infrastructure;
using MQTTnet;

namespace Dashboard.IntegrationTests.Security;

/// <summary>
/// A successful password check is remembered for a while so reconnecting clients skip PBKDF2: what it remembers
/// must never let in a password that was changed, or a user that was deleted.
/// </summary>
public sealed class RememberedPasswordTests : IAsyncLifetime
{
    private DashboardApp _app = null!;

    public async Task InitializeAsync() =>
        _app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?> { ["Broker:AllowAnonymous"] = "false" });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_password_that_connected_before_is_refused_once_changed_and_once_the_user_is_deleted()
    {
        using var http = _app.CreateHttpClient();
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("/api/broker-users", new { name = "sensor", password = "first password" })).StatusCode);
        Assert.Equal(MqttClientConnectResultCode.Success, await ConnectAsync("sensor", "first password"));
        Assert.Equal(MqttClientConnectResultCode.Success, await ConnectAsync("sensor", "first password")); // the remembered check
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await ConnectAsync("sensor", "wrong"));

        Assert.Equal(HttpStatusCode.OK, (await http.PutAsJsonAsync("/api/broker-users/sensor", new { password = "second password" })).StatusCode);
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await ConnectAsync("sensor", "first password"));
        Assert.Equal(MqttClientConnectResultCode.Success, await ConnectAsync("sensor", "second password"));
        Assert.Equal(MqttClientConnectResultCode.Success, await ConnectAsync("sensor", "second password"));

        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync("/api/broker-users/sensor")).StatusCode);
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await ConnectAsync("sensor", "second password"));
    }

    [Fact]
    public async Task An_MQTT_5_client_refused_at_connect_is_told_why_in_a_reason_string()
    {
        await using (var wrong = await TestClient.ConnectAsync(TestClient.Options(_app, version: MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithCredentials("nobody", "wrong").Build()))
        {
            Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, wrong.ConnectResult!.ResultCode);
            Assert.StartsWith("Bad user name or password", wrong.ConnectResult.ReasonString, StringComparison.Ordinal);
        }

        await using var anonymous = await TestClient.ConnectAsync(TestClient.Options(_app, version: MQTTnet.Formatter.MqttProtocolVersion.V500).Build());
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, anonymous.ConnectResult!.ResultCode);
        Assert.Contains("Anonymous clients are not allowed", anonymous.ConnectResult.ReasonString, StringComparison.Ordinal);
    }

    private async Task<MqttClientConnectResultCode> ConnectAsync(string user, string password)
    {
        await using var client = await TestClient.ConnectAsync(TestClient.Options(_app).WithCredentials(user, password).Build());
        return client.ConnectResult!.ResultCode;
    }
}
