using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.IntegrationTests.Clients;
using Dashboard.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.EventLog;

/// <summary>What the broker refuses reaches <c>/api/events</c>: failed logins and ACL denials, with who, from where and why.</summary>
public sealed class EventLogTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private DashboardApp App => fixture.App;

    [Fact]
    public async Task A_refused_login_is_logged_with_client_user_address_and_code()
    {
        var (user, id) = (NewId("login"), NewId("client"));
        using var http = App.CreateHttpClient();
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("/api/broker-users", new { name = user, password = "the right password" })).StatusCode);

        await using (var refused = await TestClient.ConnectAsync(TestClient.Options(App, id, version: MqttProtocolVersion.V500).WithCredentials(user, "wrong").Build()))
        {
            Assert.False(refused.Client.IsConnected);
        }

        var logged = (await BanTests.EventsAsync(http, $"kind=connection-refused&client={id}", atLeast: 1)).Single();
        Assert.Equal(user, logged.GetProperty("userName").GetString());
        Assert.Equal("127.0.0.1", logged.GetProperty("address").GetString());
        Assert.Equal(0x86, logged.GetProperty("reasonCode").GetInt32());
        Assert.Contains("bad user name or password", logged.GetProperty("detail").GetString());
        Assert.Equal(1, (await http.GetFromJsonAsync<JsonElement>($"/api/events?search={user}")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Acl_denials_of_a_publish_and_a_subscription_are_logged_by_client_and_topic()
    {
        var (user, id) = (NewId("acl"), NewId("client"));
        using var http = App.CreateHttpClient();
        var acl = new[] { new { filter = "sensors/#", access = "readwrite" } };
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("/api/broker-users", new { name = user, password = "the right password", acl })).StatusCode);
        await using var client = await TestClient.ConnectAsync(TestClient.Options(App, id, version: MqttProtocolVersion.V500).WithCredentials(user, "the right password").Build());

        var published = await client.PublishAsync("actuators/door/set", "open", MqttQualityOfServiceLevel.AtLeastOnce);
        var subscribed = await client.SubscribeAsync("actuators/#");

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, published.ReasonCode);
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, subscribed.Items.Single().ResultCode);
        var publish = (await BanTests.EventsAsync(http, $"kind=publish-denied&client={id}", atLeast: 1)).Single();
        Assert.Equal("actuators/door/set", publish.GetProperty("topic").GetString());
        Assert.Equal(user, publish.GetProperty("userName").GetString());
        Assert.Equal(0x87, publish.GetProperty("reasonCode").GetInt32());
        var subscribe = (await BanTests.EventsAsync(http, $"kind=subscribe-denied&client={id}", atLeast: 1)).Single();
        Assert.Equal("actuators/#", subscribe.GetProperty("topic").GetString());
    }

    [Fact]
    public async Task A_bad_query_is_a_400_naming_the_field()
    {
        using var http = App.CreateHttpClient();
        foreach (var (query, field) in new[] { ("kind=nonsense", "kind"), ("page=0", "page"), ("limit=5000", "limit") })
        {
            var response = await http.GetAsync($"/api/events?{query}");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _), field);
        }
    }

    /// <summary>The row cap, applied at start and every ten minutes: in an app of its own, restarted to apply it now.</summary>
    [Fact]
    public async Task Beyond_max_rows_the_oldest_events_go()
    {
        var database = DashboardApp.NewDatabasePath();
        var settings = new Dictionary<string, string?> { ["EventLog:MaxRows"] = "100", ["Broker:AllowAnonymous"] = "false" };
        await using (var app = await DashboardApp.StartAsync(database, settings))
        {
            for (var i = 0; i < 120; i++)
            {
                await using var refused = await TestClient.ConnectAsync(TestClient.Options(app, $"anonymous-{i:000}").Build());
            }

            using var http = app.CreateHttpClient();
            await BanTests.EventsAsync(http, "kind=connection-refused&client=anonymous-119", atLeast: 1);
            Assert.Equal(120, (await http.GetFromJsonAsync<JsonElement>("/api/events?kind=connection-refused")).GetProperty("total").GetInt32());
        }

        await using (var restarted = await DashboardApp.StartAsync(database, settings))
        {
            using var http = restarted.CreateHttpClient();
            await DashboardApp.WaitUntilAsync(async () =>
                (await http.GetFromJsonAsync<JsonElement>("/api/events")).GetProperty("total").GetInt32() == 100, "the cap of 100 events");
            var oldest = (await http.GetFromJsonAsync<JsonElement>("/api/events?page=100&limit=1")).GetProperty("items")[0];
            Assert.Equal("anonymous-020", oldest.GetProperty("clientId").GetString());
        }
    }

    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
}
