using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.Controls;

/// <summary>
/// Commands through the API to real subscribing clients (paho-mqtt scripts that behave as Tasmota, a Home Assistant
/// discovery device and the tutorials' ESP32, and an MQTTnet client with a persistent session): what the broker saw of each
/// delivery, and whether the device's state confirmed it.
/// </summary>
public sealed class ControlRoundTripTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private DashboardApp App => fixture.App;

    [Fact]
    public async Task A_tasmota_relay_is_switched_on_delivered_with_puback_and_confirmed_by_its_state()
    {
        var name = "plug-" + Guid.NewGuid().ToString("N")[..8];
        await using var device = await EchoDevice.StartAsync(App, "tasmota", name);
        using var http = App.CreateHttpClient();
        var control = await WaitForControlAsync(http, name, $"cmnd/{name}/POWER");
        Assert.Equal("switch", control.GetProperty("kind").GetString());
        Assert.Equal("Tasmota", control.GetProperty("source").GetString());
        Assert.Equal($"stat/{name}/POWER", control.GetProperty("stateTopic").GetString());
        Assert.Equal("OFF", control.GetProperty("state").GetString());

        var trip = await SendAsync(http, name, $"cmnd/{name}/POWER", "on");
        await device.WaitForLineAsync(line => line == $"got cmnd/{name}/POWER ON");
        var done = await WaitForOutcomeAsync(http, trip, "confirmed");

        var delivery = Assert.Single(done.GetProperty("deliveries").EnumerateArray());
        Assert.Equal($"tasmota-{name}", delivery.GetProperty("clientId").GetString());
        Assert.Equal("acknowledged", delivery.GetProperty("state").GetString());
        Assert.Equal(1, delivery.GetProperty("qos").GetInt32());
        Assert.Equal("ON", done.GetProperty("stateSeen").GetString());
        Assert.StartsWith("sent · delivered to 1 (PUBACK) · confirmed in ", done.GetProperty("summary").GetString());
        Assert.True(done.GetProperty("confirmedInMs").GetDouble() >= 0);
    }

    [Fact]
    public async Task A_discovered_switch_sends_its_own_payloads_and_its_state_topic_confirms_them()
    {
        var name = "fan-" + Guid.NewGuid().ToString("N")[..8];
        await using var device = await EchoDevice.StartAsync(App, "discovery", name);
        using var http = App.CreateHttpClient();
        var control = await WaitForControlAsync(http, name, $"{name}/fan/set");
        Assert.Equal("Home Assistant discovery", control.GetProperty("source").GetString());
        Assert.Equal("Fan", control.GetProperty("name").GetString());
        Assert.Equal("ENABLE", control.GetProperty("payloadOn").GetString());

        var trip = await SendAsync(http, name, $"{name}/fan/set", "on");
        Assert.Equal("ENABLE", trip.GetProperty("payload").GetString());
        await device.WaitForLineAsync(line => line == $"got {name}/fan/set ENABLE");
        var done = await WaitForOutcomeAsync(http, trip, "confirmed");
        Assert.Equal("ENABLE", done.GetProperty("stateSeen").GetString());
    }

    [Fact]
    public async Task A_device_that_does_not_answer_is_no_answer_after_the_timeout_though_it_acknowledged()
    {
        var name = "mute-" + Guid.NewGuid().ToString("N")[..8];
        await using var device = await EchoDevice.StartAsync(App, "tasmota", name, silent: true);
        using var http = App.CreateHttpClient();
        await WaitForControlAsync(http, name, $"cmnd/{name}/POWER");

        var trip = await SendAsync(http, name, $"cmnd/{name}/POWER", "on");
        await device.WaitForLineAsync(line => line == $"got cmnd/{name}/POWER ON");
        var done = await WaitForOutcomeAsync(http, trip, "no-answer");
        Assert.True(done.GetProperty("finished").GetBoolean());
        Assert.Equal("acknowledged", Assert.Single(done.GetProperty("deliveries").EnumerateArray()).GetProperty("state").GetString());
        Assert.EndsWith("no answer within 5 s", done.GetProperty("summary").GetString());
    }

    [Fact]
    public async Task A_command_for_an_offline_persistent_session_is_queued_and_delivered_when_it_comes_back()
    {
        var name = "sleepy-" + Guid.NewGuid().ToString("N")[..8];
        var clientId = "sleepy-client-" + name;
        var options = TestClient.Options(App, clientId).WithCleanSession(false).Build();
        var sleeper = await TestClient.ConnectAsync(options);
        await sleeper.SubscribeAsync($"cmnd/{name}/POWER", MqttQualityOfServiceLevel.AtLeastOnce);
        await sleeper.PublishAsync($"stat/{name}/POWER", "OFF");
        using var http = App.CreateHttpClient();
        await WaitForControlAsync(http, name, $"cmnd/{name}/POWER");
        await sleeper.DisconnectAsync();
        await App.WaitForOfflineSessionAsync(clientId);

        var trip = await SendAsync(http, name, $"cmnd/{name}/POWER", "on");
        var done = await WaitForOutcomeAsync(http, trip, "queued");
        var delivery = Assert.Single(done.GetProperty("deliveries").EnumerateArray());
        Assert.Equal(clientId, delivery.GetProperty("clientId").GetString());
        Assert.Equal("queued", delivery.GetProperty("state").GetString());
        Assert.Contains("queued for 1 offline session", done.GetProperty("summary").GetString());

        await using var back = await TestClient.ConnectAsync(options);
        Assert.Equal("ON", (await back.NextOnAsync($"cmnd/{name}/POWER")).Text());
    }

    [Fact]
    public async Task The_tutorials_led_subscription_is_a_switch_of_its_device_that_cannot_be_confirmed()
    {
        var name = "esp-" + Guid.NewGuid().ToString("N")[..8];
        await using var device = await EchoDevice.StartAsync(App, "tutorial", name);
        using var http = App.CreateHttpClient();
        var control = await WaitForControlAsync(http, name, $"{name}/led/set");
        Assert.Equal("subscription", control.GetProperty("source").GetString());
        Assert.Equal("led", control.GetProperty("name").GetString());
        Assert.False(control.GetProperty("confirmable").GetBoolean());

        var trip = await SendAsync(http, name, $"{name}/led/set", "on");
        await device.WaitForLineAsync(line => line == $"got {name}/led/set ON");
        var done = await WaitForOutcomeAsync(http, trip, "not-confirmable", finished: true);
        var delivery = Assert.Single(done.GetProperty("deliveries").EnumerateArray());
        Assert.Equal("sent", delivery.GetProperty("state").GetString());
        Assert.Equal(0, delivery.GetProperty("qos").GetInt32()); // it subscribed with QoS 0, as PubSubClient does
        Assert.Equal("sent · delivered to 1 (QoS 0, no acknowledgement) · not confirmable (no state topic)", done.GetProperty("summary").GetString());
    }

    [Fact]
    public async Task An_admin_makes_a_set_subscription_a_number_hides_it_and_resets_it()
    {
        var name = "dimmer-" + Guid.NewGuid().ToString("N")[..8];
        await using var device = await EchoDevice.StartAsync(App, "tutorial", name);
        using var http = App.CreateHttpClient();
        var id = $"{name}/led/set";
        await WaitForControlAsync(http, name, id);

        var changed = await http.PatchAsJsonAsync($"api/devices/{name}/controls", new { control = id, name = "Brightness", kind = "number", min = 0, max = 255 });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var number = await changed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("Brightness", "number", 255d), (number.GetProperty("name").GetString(), number.GetProperty("kind").GetString(), number.GetProperty("max").GetDouble()));
        await AssertProblemAsync(await http.PostAsJsonAsync($"api/devices/{name}/commands", new { control = id, value = 300 }), "value");
        var trip = await SendAsync(http, name, id, "128");
        Assert.Equal("128", trip.GetProperty("payload").GetString());
        await device.WaitForLineAsync(line => line == $"got {id} 128");

        await AssertProblemAsync(await http.PatchAsJsonAsync($"api/devices/{name}/controls", new { control = id, kind = "dial" }), "kind");
        Assert.Equal(HttpStatusCode.OK, (await http.PatchAsJsonAsync($"api/devices/{name}/controls", new { control = id, hidden = true })).StatusCode);
        Assert.Empty((await http.GetFromJsonAsync<JsonElement[]>($"api/devices/{name}/controls"))!);
        var hidden = Assert.Single((await http.GetFromJsonAsync<JsonElement[]>($"api/devices/{name}/controls?hidden=true"))!);
        Assert.True(hidden.GetProperty("hidden").GetBoolean());

        Assert.Equal(HttpStatusCode.OK, (await http.PatchAsJsonAsync($"api/devices/{name}/controls", new { control = id, reset = true })).StatusCode);
        var reset = Assert.Single((await http.GetFromJsonAsync<JsonElement[]>($"api/devices/{name}/controls"))!);
        Assert.Equal(("led", "switch"), (reset.GetProperty("name").GetString(), reset.GetProperty("kind").GetString()));
    }

    [Fact]
    public async Task Commands_are_refused_to_viewers_and_for_unknown_controls_and_values()
    {
        var name = "guarded-" + Guid.NewGuid().ToString("N")[..8];
        await using var device = await EchoDevice.StartAsync(App, "tasmota", name);
        using var http = App.CreateHttpClient();
        await WaitForControlAsync(http, name, $"cmnd/{name}/POWER");
        using var viewer = App.CreateHttpClient(await App.CreateApiKeyAsync("Viewer"));

        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync($"api/devices/{name}/controls")).StatusCode);
        var refused = await viewer.PostAsJsonAsync($"api/devices/{name}/commands", new { control = $"cmnd/{name}/POWER", value = "on" });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        await AssertProblemAsync(await http.PostAsJsonAsync($"api/devices/{name}/commands", new { control = "nope", value = "on" }), "control");
        await AssertProblemAsync(await http.PostAsJsonAsync($"api/devices/{name}/commands", new { control = $"cmnd/{name}/POWER", value = "maybe" }), "value");
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsJsonAsync("api/devices/no/such/device/commands", new { control = "x", value = "on" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("api/devices/no/such/device/controls")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("api/commands/nosuchcommand")).StatusCode);
    }

    [Fact]
    public async Task Scripts_publish_through_the_api_with_the_publish_panels_checks()
    {
        var topic = "scripts/" + Guid.NewGuid().ToString("N")[..8] + "/set";
        await using var listener = await TestClient.ConnectAsync(App);
        await listener.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        using var http = App.CreateHttpClient();

        var published = await http.PostAsJsonAsync("api/publish", new { topic, payload = "ON", qos = 1, retain = false });
        Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        var message = await listener.NextOnAsync(topic);
        Assert.Equal("ON", message.Text());
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, message.QualityOfServiceLevel);

        await AssertProblemAsync(await http.PostAsJsonAsync("api/publish", new { topic = "home/+/set", payload = "ON" }), "topic");
        await AssertProblemAsync(await http.PostAsJsonAsync("api/publish", new { topic = "$SYS/x", payload = "ON" }), "topic");
        await AssertProblemAsync(await http.PostAsJsonAsync("api/publish", new { payload = "ON" }), "topic");
        // Longer than the broker takes from its clients (Broker:MaxTopicLength 1024), or than MQTT allows at all: retained,
        // it would have been stored, yet no subscriber can be sent it.
        await AssertProblemAsync(await http.PostAsJsonAsync("api/publish", new { topic = "big/" + new string('b', 2000), payload = "x", retain = true }), "topic");
        await AssertProblemAsync(await http.PostAsJsonAsync("api/publish", new { topic = "big/" + new string('b', 70_000), payload = "x", retain = true }), "topic");
        await AssertProblemAsync(await http.PostAsJsonAsync("api/publish", new { topic, payload = "ON", qos = 3 }), "qos");
        using var viewer = App.CreateHttpClient(await App.CreateApiKeyAsync("Viewer"));
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync("api/publish", new { topic, payload = "ON" })).StatusCode);
        Assert.True(await listener.NothingArrivesAsync(TimeSpan.FromMilliseconds(300)));
    }

    internal static async Task<JsonElement> WaitForControlAsync(HttpClient http, string deviceId, string controlId)
    {
        JsonElement found = default;
        await DashboardApp.WaitUntilAsync(async () =>
        {
            var response = await http.GetAsync($"api/devices/{deviceId}/controls");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return false;
            }

            var controls = await response.Content.ReadFromJsonAsync<JsonElement[]>();
            found = controls!.FirstOrDefault(c => c.GetProperty("id").GetString() == controlId);
            return found.ValueKind == JsonValueKind.Object;
        }, $"control {controlId} of {deviceId}");
        return found;
    }

    private static async Task<JsonElement> SendAsync(HttpClient http, string deviceId, string controlId, string value)
    {
        var response = await http.PostAsJsonAsync($"api/devices/{deviceId}/commands", new { control = controlId, value });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var trip = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal($"/api/commands/{trip.GetProperty("id").GetString()}", response.Headers.Location?.OriginalString);
        return trip;
    }

    private static async Task<JsonElement> WaitForOutcomeAsync(HttpClient http, JsonElement trip, string outcome, bool finished = false)
    {
        JsonElement last = trip;
        await DashboardApp.WaitUntilAsync(async () =>
        {
            last = await http.GetFromJsonAsync<JsonElement>($"api/commands/{trip.GetProperty("id").GetString()}");
            return last.GetProperty("outcome").GetString() == outcome && (!finished || last.GetProperty("finished").GetBoolean());
        }, $"the command's outcome {outcome}", TimeSpan.FromSeconds(15));
        return last;
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, string field)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"the problem names {field}: {problem}");
    }
}
