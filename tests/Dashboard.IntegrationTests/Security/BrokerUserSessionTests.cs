using System.Net;
using System.Net.Http.Json;
using Dashboard.Broker.Auth;
using Dashboard.Broker.Sessions;
using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.Security;

/// <summary>
/// Broker users meet persistent sessions and live connections: a session is judged by the ACL of the user it
/// belongs to (after a restart too), another user cannot take it over, and a changed password, a deleted user or
/// an edited ACL take effect on clients already connected or offline. Anonymous clients may only use public/#,
/// so a session wrongly judged as anonymous gets nothing.
/// </summary>
public sealed class BrokerUserSessionTests
{
    private const string Password = "device-secret";
    private const string AdminPassword = "admin-secret";

    [Fact]
    public async Task A_restored_persistent_session_is_delivered_to_by_its_users_acl_before_the_client_returns()
    {
        var database = DashboardApp.NewDatabasePath();
        var user = NewName("dev");
        var clientId = NewName("esp");
        await using (var app = await StartAsync(database))
        {
            await CreateUserAsync(app, user, Password, ("devices/%u/#", "readwrite"));
            await using (var device = await ConnectAsync(app, user, Password, clientId, persistent: true))
            {
                Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await SubscribeAsync(device, $"devices/{user}/cmd"));
            }

            await using var admin = await ConnectAsync(app, "admin", AdminPassword);
            await admin.PublishAsync($"devices/{user}/cmd", "before restart", MqttQualityOfServiceLevel.AtLeastOnce);
        }

        await using (var app = await DashboardApp.StartAsync(database))
        {
            // The session is offline: this message is queued by the broker, judged by the user's ACL.
            await using var admin = await ConnectAsync(app, "admin", AdminPassword);
            await admin.PublishAsync($"devices/{user}/cmd", "after restart", MqttQualityOfServiceLevel.AtLeastOnce);

            await using var device = await ConnectAsync(app, user, Password, clientId, persistent: true);
            Assert.True(device.ConnectResult!.IsSessionPresent);
            Assert.Equal(["before restart", "after restart"], [(await device.NextAsync()).Text(), (await device.NextAsync()).Text()]);
        }
    }

    [Theory]
    [InlineData(true, MqttProtocolVersion.V311)]
    [InlineData(true, MqttProtocolVersion.V500)]
    [InlineData(false, MqttProtocolVersion.V311)]
    [InlineData(false, MqttProtocolVersion.V500)]
    public async Task Another_user_or_an_anonymous_client_cannot_take_over_a_connected_users_client_id(bool asAnotherUser, MqttProtocolVersion version)
    {
        await using var app = await StartAsync();
        var (owner, other, clientId) = (NewName("owner"), NewName("other"), NewName("shared-id"));
        await CreateUserAsync(app, owner, Password, ("devices/%u/#", "readwrite"));
        await CreateUserAsync(app, other, Password, ("devices/+/#", "readwrite"), ("public/#", "readwrite"));
        await using var admin = await ConnectAsync(app, "admin", AdminPassword);
        await admin.SubscribeAsync($"devices/{owner}/status", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var device = await TestClient.ConnectAsync(TestClient.Options(app, clientId).WithCredentials(owner, Password)
            .WithCleanSession(false).WithWillTopic($"devices/{owner}/status").WithWillPayload("offline").Build());
        Assert.True(device.Client.IsConnected);
        await SubscribeAsync(device, $"devices/{owner}/cmd");

        // Again and again, as a kicking loop would: each CONNECT is refused, none reaches the owner.
        for (var i = 0; i < 3; i++)
        {
            var impostor = TestClient.Options(app, clientId, version: version).WithCleanSession(false);
            var (code, connected) = await WillAclTests.ConnAckCodeAsync(asAnotherUser ? impostor.WithCredentials(other, Password) : impostor);
            Assert.False(connected);
            Assert.Equal(version == MqttProtocolVersion.V500 ? 0x87 : 0x05, code);
        }

        Assert.True(device.Client.IsConnected, "the owner stays connected");
        Assert.True(await admin.NothingArrivesAsync(TimeSpan.FromMilliseconds(300)), "the owner's will did not fire");
        await admin.PublishAsync($"devices/{owner}/cmd", "still yours", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal("still yours", (await device.NextAsync()).Text());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Another_user_or_an_anonymous_client_cannot_take_over_an_offline_users_session(bool asAnotherUser)
    {
        await using var app = await StartAsync();
        var (owner, other, clientId) = (NewName("owner"), NewName("other"), NewName("shared-id"));
        await CreateUserAsync(app, owner, Password, ("devices/+/#", "readwrite"));
        await CreateUserAsync(app, other, Password, ("devices/+/#", "readwrite"), ("public/#", "readwrite"));
        await using (var device = await ConnectAsync(app, owner, Password, clientId, persistent: true))
        {
            await SubscribeAsync(device, $"devices/{owner}/#");
        }

        var sessions = app.Services.GetRequiredService<PersistentSessions>();
        await DashboardApp.WaitUntilAsync(() => sessions.TryGet(clientId, out var r) && r.Connection is null, "the session to go offline");
        await using var admin = await ConnectAsync(app, "admin", AdminPassword);
        await admin.PublishAsync($"devices/{owner}/cmd", "queued for the owner", MqttQualityOfServiceLevel.AtLeastOnce);

        var impostor = TestClient.Options(app, clientId).WithCleanSession(); // even a clean session, which would end the owner's
        var (code, connected) = await WillAclTests.ConnAckCodeAsync(asAnotherUser ? impostor.WithCredentials(other, Password) : impostor);
        Assert.False(connected);
        Assert.Equal(0x05, code);

        await using var back = await ConnectAsync(app, owner, Password, clientId, persistent: true);
        Assert.True(back.ConnectResult!.IsSessionPresent);
        Assert.Equal("queued for the owner", (await back.NextAsync()).Text());
    }

    [Fact]
    public async Task An_anonymous_client_takes_over_another_anonymous_clients_id_as_mqtt_does()
    {
        await using var app = await StartAsync();
        var clientId = NewName("anon");
        await using var watcher = await TestClient.ConnectAsync(app);
        await watcher.SubscribeAsync($"public/{clientId}/status", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var first = await TestClient.ConnectAsync(TestClient.Options(app, clientId)
            .WithWillTopic($"public/{clientId}/status").WithWillPayload("offline").Build());
        Assert.True(first.Client.IsConnected);

        await using var second = await TestClient.ConnectAsync(app, clientId);

        Assert.True(second.Client.IsConnected);
        Assert.Equal("offline", (await watcher.NextAsync()).Text()); // the first one's will, on takeover
    }

    [Fact]
    public async Task The_same_user_coming_back_keeps_its_session()
    {
        await using var app = await StartAsync();
        var (user, clientId) = (NewName("dev"), NewName("esp"));
        await CreateUserAsync(app, user, Password, ("devices/%u/#", "readwrite"));
        await using (var device = await ConnectAsync(app, user, Password, clientId, persistent: true))
        {
            await SubscribeAsync(device, $"devices/{user}/#");
        }

        await using var admin = await ConnectAsync(app, "admin", AdminPassword);
        await admin.PublishAsync($"devices/{user}/cmd", "queued", MqttQualityOfServiceLevel.AtLeastOnce);

        await using var back = await ConnectAsync(app, user, Password, clientId, persistent: true);
        Assert.True(back.ConnectResult!.IsSessionPresent);
        Assert.Equal("queued", (await back.NextAsync()).Text());
    }

    [Fact]
    public async Task Identities_of_ended_persistent_sessions_are_forgotten()
    {
        await using var app = await StartAsync();
        var identities = app.Services.GetRequiredService<ClientIdentities>();
        var sessions = app.Services.GetRequiredService<PersistentSessions>();
        var user = NewName("dev");
        await CreateUserAsync(app, user, Password);
        var before = identities.Count;

        // Expired.
        var expiring = NewName("brief");
        var options = TestClient.Options(app, expiring, version: MqttProtocolVersion.V500)
            .WithCredentials(user, Password).WithCleanStart(false).WithSessionExpiryInterval(1).Build();
        await using (var device = await TestClient.ConnectAsync(options))
        {
            await SubscribeAsync(device, $"devices/{user}/cmd");
        }

        await DashboardApp.WaitUntilAsync(() => sessions.TryGet(expiring, out var r) && r.Connection is null, "the session to go offline");
        Assert.Equal(before + 1, identities.Count);
        Assert.Equal(1, await sessions.RemoveExpiredAsync(DateTime.UtcNow.AddSeconds(2)));
        await DashboardApp.WaitUntilAsync(() => identities.Count == before, "the expired session's identity to be forgotten");

        // Taken over by a clean session that then left.
        var cleaned = NewName("cleaned");
        await using (var device = await ConnectAsync(app, user, Password, cleaned, persistent: true))
        {
            await SubscribeAsync(device, $"devices/{user}/cmd");
        }

        await using (var clean = await TestClient.ConnectAsync(TestClient.Options(app, cleaned).WithCredentials(user, Password).WithCleanSession().Build()))
        {
            Assert.False(clean.ConnectResult!.IsSessionPresent);
        }

        await DashboardApp.WaitUntilAsync(() => identities.Count == before, "the cleaned session's identity to be forgotten");

        // Ended with its user.
        var orphan = NewName("orphan");
        await using (var device = await ConnectAsync(app, user, Password, orphan, persistent: true))
        {
            await SubscribeAsync(device, $"devices/{user}/cmd");
        }

        await DashboardApp.WaitUntilAsync(() => sessions.TryGet(orphan, out var r) && r.Connection is null, "the session to go offline");
        using var http = app.CreateHttpClient();
        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"/api/broker-users/{user}")).StatusCode);
        await DashboardApp.WaitUntilAsync(() => identities.Count == before, "the deleted user's session identity to be forgotten");
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V500, false)]
    [InlineData(MqttProtocolVersion.V311, false)]
    [InlineData(MqttProtocolVersion.V500, true)]
    public async Task Changing_a_password_disconnects_the_users_clients_at_once(MqttProtocolVersion version, bool webSocket)
    {
        await using var app = await StartAsync();
        var (user, bystander) = (NewName("dev"), NewName("other"));
        await CreateUserAsync(app, user, "old password");
        await CreateUserAsync(app, bystander, Password);
        await using var device = await TestClient.ConnectAsync(TestClient.Options(app, webSocket: webSocket, version: version).WithCredentials(user, "old password").Build());
        await using var other = await ConnectAsync(app, bystander, Password);
        var disconnected = device.Disconnection();

        using var http = app.CreateHttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.PutAsJsonAsync($"/api/broker-users/{user}", new { password = "new password" })).StatusCode);

        var reason = await disconnected.WaitAsync(TestClient.Patience);
        if (version == MqttProtocolVersion.V500)
        {
            Assert.Equal(MqttClientDisconnectReason.AdministrativeAction, reason); // DISCONNECT 0x98
        }

        Assert.True(other.Client.IsConnected, "another user's client stays connected");
        var stale = await TestClient.ConnectAsync(TestClient.Options(app, version: version).WithCredentials(user, "old password").Build());
        Assert.False(stale.Client.IsConnected);
        await stale.DisposeAsync();
        await using var renewed = await TestClient.ConnectAsync(TestClient.Options(app, version: version).WithCredentials(user, "new password").Build());
        Assert.True(renewed.Client.IsConnected);
    }

    [Fact]
    public async Task Editing_only_the_acl_keeps_the_user_connected_and_applies_on_the_next_delivery()
    {
        await using var app = await StartAsync();
        var user = NewName("dev");
        var clientId = NewName("esp");
        await CreateUserAsync(app, user, Password, ("devices/%u/#", "readwrite"));
        await using var admin = await ConnectAsync(app, "admin", AdminPassword);

        // One persistent client offline with a message queued, one connected and subscribed.
        await using (var device = await ConnectAsync(app, user, Password, clientId, persistent: true))
        {
            await SubscribeAsync(device, $"devices/{user}/#");
        }

        // Offline as far as the broker is concerned (not just closed on our side), so the next messages are queued offline.
        var sessions = app.Services.GetRequiredService<PersistentSessions>();
        await DashboardApp.WaitUntilAsync(() => sessions.TryGet(clientId, out var record) && record.Connection is null, $"{clientId}'s session to go offline");
        await admin.PublishAsync($"devices/{user}/later/secret", "queued, then denied", MqttQualityOfServiceLevel.AtLeastOnce);
        await admin.PublishAsync($"devices/{user}/later/ok", "queued and allowed", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var live = await ConnectAsync(app, user, Password, version: MqttProtocolVersion.V500);
        await SubscribeAsync(live, $"devices/{user}/#");

        using var http = app.CreateHttpClient();
        var acl = new[] { new { filter = "devices/%u/#", access = "readwrite" }, new { filter = "devices/%u/+/secret", access = "deny" } };
        Assert.Equal(HttpStatusCode.OK, (await http.PutAsJsonAsync($"/api/broker-users/{user}", new { acl })).StatusCode);

        await admin.PublishAsync($"devices/{user}/now/secret", "denied", MqttQualityOfServiceLevel.AtLeastOnce);
        await admin.PublishAsync($"devices/{user}/now/ok", "allowed", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal("allowed", (await live.NextAsync()).Text());
        Assert.True(live.Client.IsConnected);

        await using var back = await ConnectAsync(app, user, Password, clientId, persistent: true);
        Assert.True(back.ConnectResult!.IsSessionPresent);
        Assert.Equal("queued and allowed", (await back.NextAsync()).Text());
    }

    [Fact]
    public async Task A_deleted_users_clients_are_disconnected_and_its_persistent_sessions_get_nothing_more()
    {
        await using var app = await StartAsync();
        var user = NewName("dev");
        var clientId = NewName("esp");
        await CreateUserAsync(app, user, Password, ("devices/%u/#", "readwrite"));
        await using (var device = await ConnectAsync(app, user, Password, clientId, persistent: true))
        {
            await SubscribeAsync(device, $"devices/{user}/#");
        }

        await using var admin = await ConnectAsync(app, "admin", AdminPassword);
        await admin.PublishAsync($"devices/{user}/cmd", "queued before the delete", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var live = await ConnectAsync(app, user, Password, NewName("live"), persistent: true, version: MqttProtocolVersion.V500);
        await SubscribeAsync(live, $"devices/{user}/#");
        var disconnected = live.Disconnection();

        using var http = app.CreateHttpClient();
        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"/api/broker-users/{user}")).StatusCode);
        Assert.Equal(MqttClientDisconnectReason.AdministrativeAction, await disconnected.WaitAsync(TestClient.Patience));
        await admin.PublishAsync($"devices/{user}/cmd", "after the delete", MqttQualityOfServiceLevel.AtLeastOnce);

        // Even a user of the same name and password made again does not find the old session.
        await CreateUserAsync(app, user, Password, ("devices/%u/#", "readwrite"));
        await using var back = await ConnectAsync(app, user, Password, clientId, persistent: true);
        Assert.False(back.ConnectResult!.IsSessionPresent);
        await SubscribeAsync(back, $"devices/{user}/marker");
        await admin.PublishAsync($"devices/{user}/marker", "end", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal("end", (await back.NextAsync()).Text());
    }

    private static Task<DashboardApp> StartAsync(string? database = null) => StartWithUsersAsync(database);

    /// <summary>An app whose anonymous clients may use public/# only, with an "admin" user that may do anything.</summary>
    private static async Task<DashboardApp> StartWithUsersAsync(string? database)
    {
        var app = await DashboardApp.StartAsync(database);
        using var http = app.CreateHttpClient();
        var put = await http.PutAsJsonAsync("/api/broker-acl/anonymous", new { acl = new[] { new { filter = "public/#", access = "readwrite" } } });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        await CreateUserAsync(app, "admin", AdminPassword);
        return app;
    }

    private static async Task CreateUserAsync(DashboardApp app, string name, string password, params (string Filter, string Access)[] acl)
    {
        using var http = app.CreateHttpClient();
        var response = await http.PostAsJsonAsync("/api/broker-users", new { name, password, acl = acl.Select(a => new { filter = a.Filter, access = a.Access }) });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private static async Task<TestClient> ConnectAsync(DashboardApp app, string user, string password, string? clientId = null,
        bool persistent = false, MqttProtocolVersion version = MqttProtocolVersion.V311)
    {
        var builder = TestClient.Options(app, clientId, version: version).WithCredentials(user, password).WithCleanSession(!persistent);
        if (persistent && version == MqttProtocolVersion.V500)
        {
            builder = builder.WithSessionExpiryInterval(3600);
        }

        var client = await TestClient.ConnectAsync(builder.Build());
        Assert.True(client.Client.IsConnected, $"{user} could not connect");
        return client;
    }

    private static async Task<MqttClientSubscribeResultCode> SubscribeAsync(TestClient client, string filter) =>
        (await client.SubscribeAsync(filter, MqttQualityOfServiceLevel.AtLeastOnce)).Items.Single().ResultCode;


    private static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
}
