using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;

namespace Dashboard.IntegrationTests.Clients;

/// <summary>Bans through <c>/api/bans</c>, seen by real clients: refused with the right code, let in again once lifted or expired.</summary>
public sealed class BanTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private DashboardApp App => fixture.App;

    [Fact]
    public async Task A_banned_client_id_is_disconnected_refused_with_banned_and_let_in_once_lifted()
    {
        var id = NewId("banned");
        await using var connected = await TestClient.ConnectAsync(App, id, version: MqttProtocolVersion.V500);
        var kicked = connected.Disconnection();
        using var http = App.CreateHttpClient();

        var created = await http.PostAsJsonAsync("/api/bans", new { kind = "clientId", value = id, durationMinutes = 60, reason = "flooding" });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, body.GetProperty("disconnected").GetInt32());
        Assert.Equal(MqttClientDisconnectReason.AdministrativeAction, await kicked.WaitAsync(TestClient.Patience));
        Assert.Equal(0x8A, await RefusalAsync(TestClient.Options(App, id, version: MqttProtocolVersion.V500)));
        Assert.Equal(0x05, await RefusalAsync(TestClient.Options(App, id, version: MqttProtocolVersion.V311)));
        var bans = await http.GetFromJsonAsync<JsonElement>("/api/bans");
        var ban = bans.EnumerateArray().Single(b => b.GetProperty("value").GetString() == id);
        Assert.Equal("flooding", ban.GetProperty("reason").GetString());

        var refused = await EventsAsync(http, $"kind=connection-refused&client={id}", atLeast: 2);
        Assert.Contains(refused, e => e.GetProperty("reasonCode").GetInt32() == 0x8A && e.GetProperty("detail").GetString()!.Contains("banned by client id"));

        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"/api/bans/{ban.GetProperty("id").GetInt64()}")).StatusCode);
        await using var back = await TestClient.ConnectAsync(App, id, version: MqttProtocolVersion.V500);
        Assert.True(back.Client.IsConnected);
        Assert.Equal(HttpStatusCode.NotFound, (await http.DeleteAsync($"/api/bans/{ban.GetProperty("id").GetInt64()}")).StatusCode);
    }

    [Fact]
    public async Task A_banned_username_is_refused_whatever_its_client_id_until_the_ban_expires()
    {
        var user = NewId("user");
        using var http = App.CreateHttpClient();
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("/api/broker-users", new { name = user, password = "a long password" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("/api/bans", new { kind = "username", value = user, durationMinutes = 0.02 })).StatusCode);

        // Refused until the 1.2 s are up, then let in: each attempt is a new client id.
        var refusedOnce = false;
        await DashboardApp.WaitUntilAsync(async () =>
        {
            var options = TestClient.Options(App, NewId("any"), version: MqttProtocolVersion.V500).WithCredentials(user, "a long password");
            var code = await RefusalOrSuccessAsync(options);
            Assert.True(code is 0x8A or 0, $"CONNACK 0x{code:X2}");
            refusedOnce |= code == 0x8A;
            return code == 0;
        }, "the ban to expire");
        Assert.True(refusedOnce, "the ban expired before a client tried");
        Assert.DoesNotContain((await http.GetFromJsonAsync<JsonElement>("/api/bans")).EnumerateArray(), b => b.GetProperty("value").GetString() == user);
    }

    [Fact]
    public async Task Bad_bans_are_refused_naming_the_field()
    {
        using var http = App.CreateHttpClient();
        var problems = new[]
        {
            (new { kind = "nose", value = "x", durationMinutes = (double?)null }, "kind"),
            (new { kind = "address", value = "not an address", durationMinutes = (double?)null }, "value"),
            (new { kind = "clientId", value = "", durationMinutes = (double?)null }, "value"),
            (new { kind = "clientId", value = "x", durationMinutes = (double?)-5 }, "durationMinutes"),
        };
        foreach (var (body, field) in problems)
        {
            var response = await http.PostAsJsonAsync("/api/bans", body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _), field);
        }
    }

    /// <summary>An address ban, in an app of its own: every test client comes from 127.0.0.1.</summary>
    [Fact]
    public async Task A_banned_address_is_refused_and_survives_a_restart()
    {
        var database = DashboardApp.NewDatabasePath();
        await using (var app = await DashboardApp.StartAsync(database))
        {
            using var http = app.CreateHttpClient();
            Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("/api/bans", new { kind = "address", value = "127.0.0.0/8" })).StatusCode);
            Assert.Equal(0x8A, await RefusalAsync(TestClient.Options(app, version: MqttProtocolVersion.V500)));
        }

        await using (var restarted = await DashboardApp.StartAsync(database))
        {
            Assert.Equal(0x05, await RefusalAsync(TestClient.Options(restarted, version: MqttProtocolVersion.V311)));
            using var http = restarted.CreateHttpClient();
            var ban = (await http.GetFromJsonAsync<JsonElement>("/api/bans")).EnumerateArray().Single();
            Assert.Equal("127.0.0.0/8", ban.GetProperty("value").GetString());
            Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"/api/bans/{ban.GetProperty("id").GetInt64()}")).StatusCode);
            await using var client = await TestClient.ConnectAsync(restarted);
            Assert.True(client.Client.IsConnected);
        }
    }

    internal static async Task<List<JsonElement>> EventsAsync(HttpClient http, string query, int atLeast)
    {
        List<JsonElement> items = [];
        await DashboardApp.WaitUntilAsync(async () =>
        {
            items = [.. (await http.GetFromJsonAsync<JsonElement>($"/api/events?{query}")).GetProperty("items").EnumerateArray()];
            return items.Count >= atLeast;
        }, $"{atLeast} events for {query}");
        return items;
    }

    private static async Task<int> RefusalAsync(MqttClientOptionsBuilder options)
    {
        var code = await RefusalOrSuccessAsync(options);
        Assert.NotEqual(0, code);
        return code;
    }

    /// <summary>The CONNACK's return (3.1.1) or reason (5) code, 0 for success.</summary>
    private static async Task<int> RefusalOrSuccessAsync(MqttClientOptionsBuilder options)
    {
        byte[]? connAck = null;
        await using var client = await TestClient.ConnectAsync(options.Build(), (direction, bytes) =>
        {
            if (direction == MQTTnet.Diagnostics.PacketInspection.MqttPacketFlowDirection.Inbound && bytes.Length >= 4 && bytes[0] == 0x20)
            {
                connAck ??= bytes;
            }
        });
        Assert.NotNull(connAck);
        Assert.Equal(connAck[3] == 0, client.Client.IsConnected);
        return connAck[3];
    }

    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
}
