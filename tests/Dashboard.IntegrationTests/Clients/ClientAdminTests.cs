using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.Clients;

/// <summary>The admin's clients API against real clients: listed with their subscriptions, kicked, their sessions ended.</summary>
public sealed class ClientAdminTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private DashboardApp App => fixture.App;

    [Fact]
    public async Task A_connected_client_and_an_offline_session_are_listed_with_subscriptions_and_queue()
    {
        var (online, offline) = (NewId("online"), NewId("offline"));
        await using var client = await TestClient.ConnectAsync(App, online, version: MqttProtocolVersion.V500);
        await client.Client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic($"{online}/cmd/#").WithAtLeastOnceQoS().WithNoLocal().WithRetainAsPublished()).Build());
        await using (var persistent = await TestClient.ConnectAsync(TestClient.Options(App, offline).WithCleanSession(false).Build()))
        {
            await persistent.SubscribeAsync($"{offline}/in", MqttQualityOfServiceLevel.AtLeastOnce);
            await persistent.Client.DisconnectAsync();
        }

        // Gone as far as the broker knows: a publish handed to the closing connection would count as in flight, not queued.
        await App.WaitForOfflineSessionAsync(offline);
        var publisherId = NewId("publisher");
        await using var publisher = await TestClient.ConnectAsync(App, publisherId);
        await publisher.PublishAsync($"{offline}/in", "1", MqttQualityOfServiceLevel.AtLeastOnce);
        await publisher.PublishAsync($"{offline}/in", "2", MqttQualityOfServiceLevel.AtLeastOnce);
        await publisher.PublishAsync($"{online}/cmd/x", "3", MqttQualityOfServiceLevel.AtLeastOnce);
        await client.NextAsync();

        using var http = App.CreateHttpClient();
        var listed = (await http.GetFromJsonAsync<JsonElement>("/api/clients")).GetProperty("items");
        var connected = listed.EnumerateArray().Single(c => c.GetProperty("clientId").GetString() == online);
        Assert.True(connected.GetProperty("connected").GetBoolean());
        Assert.Equal("5.0", connected.GetProperty("protocolVersion").GetString());
        Assert.Equal("tcp", connected.GetProperty("transport").GetString());
        Assert.Equal("127.0.0.1", connected.GetProperty("address").GetString());
        var subscription = connected.GetProperty("subscriptions").EnumerateArray().Single();
        Assert.Equal($"{online}/cmd/#", subscription.GetProperty("filter").GetString());
        Assert.Equal(1, subscription.GetProperty("qos").GetInt32());
        Assert.True(subscription.GetProperty("noLocal").GetBoolean());
        Assert.True(subscription.GetProperty("retainAsPublished").GetBoolean());
        Assert.Equal((0, 1), (connected.GetProperty("messagesIn").GetInt32(), connected.GetProperty("messagesOut").GetInt32()));
        var sender = listed.EnumerateArray().Single(c => c.GetProperty("clientId").GetString() == publisherId);
        Assert.Equal((3, 0), (sender.GetProperty("messagesIn").GetInt32(), sender.GetProperty("messagesOut").GetInt32()));

        var session = await http.GetFromJsonAsync<JsonElement>($"/api/clients/{offline}");
        Assert.False(session.GetProperty("connected").GetBoolean());
        Assert.True(session.GetProperty("persistentSession").GetBoolean());
        Assert.Equal(2, session.GetProperty("queued").GetInt32());
        Assert.Equal($"{offline}/in", session.GetProperty("subscriptions")[0].GetProperty("filter").GetString());

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/api/clients/{NewId("nobody")}")).StatusCode);

        // Paged and searched: by client id here, one per page.
        var found = await http.GetFromJsonAsync<JsonElement>($"/api/clients?search={online.ToUpperInvariant()}&limit=1");
        Assert.Equal((1, 1, 1), (found.GetProperty("total").GetInt32(), found.GetProperty("page").GetInt32(), found.GetProperty("limit").GetInt32()));
        Assert.Equal(online, found.GetProperty("items")[0].GetProperty("clientId").GetString());
        var second = await http.GetFromJsonAsync<JsonElement>("/api/clients?limit=1&page=2");
        Assert.True(second.GetProperty("total").GetInt32() >= 3);
        Assert.Equal(1, second.GetProperty("items").GetArrayLength());
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/api/clients?limit=1001")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/api/clients?page=0")).StatusCode);
    }

    [Fact]
    public async Task A_paho_client_sees_itself_kicked_and_the_kick_is_in_the_event_log()
    {
        var id = NewId("paho");
        var script = $$"""
            import paho.mqtt.client as mqtt
            def on_connect(c, u, f, rc): print("connected", rc, flush=True)
            def on_disconnect(c, u, rc):
                print("disconnected", rc, flush=True)
                c.loop_stop()
                raise SystemExit(0)
            c = mqtt.Client(client_id="{{id}}")
            c.on_connect = on_connect
            c.on_disconnect = on_disconnect
            c.connect("127.0.0.1", {{App.MqttPort}}, 60)
            c.loop_forever(retry_first_connection=False)
            """;
        await using var paho = ExternalProcess.Start("/usr/bin/python3", ["-u", "-c", script]);
        await paho.WaitForLineAsync("connected 0");
        await App.WaitForClientAsync(id);

        using var http = App.CreateHttpClient();
        Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsync($"/api/clients/{id}/disconnect", null)).StatusCode);

        var line = await paho.WaitForLineAsync("disconnected");
        Assert.NotEqual("disconnected 0", line); // not a disconnect it asked for
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync($"/api/clients/{id}/disconnect", null)).StatusCode);
        var events = await http.GetFromJsonAsync<JsonElement>($"/api/events?kind=admin-action&client={id}");
        var kick = events.GetProperty("items").EnumerateArray().Single();
        Assert.Equal($"disconnected the client {id}", kick.GetProperty("detail").GetString());
        Assert.Equal(id, kick.GetProperty("target").GetString());
        Assert.Equal("API key 'tests'", kick.GetProperty("actor").GetString());
    }

    [Fact]
    public async Task An_mqtt5_client_is_told_administrative_action_when_kicked()
    {
        var id = NewId("v5");
        await using var client = await TestClient.ConnectAsync(App, id, version: MqttProtocolVersion.V500);
        var disconnected = client.Disconnection();

        using var http = App.CreateHttpClient();
        Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsync($"/api/clients/{id}/disconnect", null)).StatusCode);

        Assert.Equal(MqttClientDisconnectReason.AdministrativeAction, await disconnected.WaitAsync(TestClient.Patience));
    }

    [Fact]
    public async Task An_ended_session_has_no_queue_when_its_client_comes_back()
    {
        var id = NewId("ended");
        var topic = $"{id}/in";
        var options = TestClient.Options(App, id).WithCleanSession(false).Build();
        await using (var subscriber = await TestClient.ConnectAsync(options))
        {
            await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
            await subscriber.Client.DisconnectAsync();
        }

        await using (var publisher = await TestClient.ConnectAsync(App))
        {
            await publisher.PublishAsync(topic, "queued while offline", MqttQualityOfServiceLevel.AtLeastOnce);
        }

        using var http = App.CreateHttpClient();
        Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsync($"/api/clients/{id}/end-session", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/api/clients/{id}")).StatusCode);

        await using var back = await TestClient.ConnectAsync(options);
        Assert.False(back.ConnectResult!.IsSessionPresent);
        await back.SubscribeAsync($"{id}/marker");
        await using (var publisher = await TestClient.ConnectAsync(App))
        {
            await publisher.PublishAsync($"{id}/marker", "after");
        }

        // A queued message would have come right after CONNACK: the first it gets is the marker.
        Assert.Equal($"{id}/marker", (await back.NextAsync()).Topic);
    }

    [Fact]
    public async Task Only_admins_see_clients()
    {
        using var viewer = App.CreateHttpClient(await App.CreateApiKeyAsync(Dashboard.Accounts.DashboardRoles.Viewer, "viewer"));
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync("/api/clients")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync("/api/bans")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync("/api/events")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync("/api/retained")).StatusCode);
    }

    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
}
