using System.Buffers;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Accounts;
using Dashboard.Alerts;
using Dashboard.IntegrationTests.Infrastructure;
using Dashboard.Live;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.Alerts;

public sealed class AlertLifecycleTests
{
    private static readonly Dictionary<string, string?> FastTicks = new() { ["Alerts:EvaluationInterval"] = "00:00:00.200" };

    private static object HotRule(string name, string filter = "home/+/temperature", double forSeconds = 1) => new
    {
        name,
        filter,
        @operator = ">",
        threshold = 25,
        hysteresis = 1,
        forSeconds,
        severity = "critical",
    };

    private static async Task<AlertRuleDto> CreateRuleAsync(HttpClient http, object rule)
    {
        var response = await http.PostAsJsonAsync("api/alert-rules", rule);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<AlertRuleDto>())!;
    }

    private static async Task<AlertNotice> NextNoticeAsync(TestClient subscriber, string topic)
    {
        var message = await subscriber.NextOnAsync(topic);
        return JsonSerializer.Deserialize<AlertNotice>(message.Payload.ToArray(), AlertNotice.Json)!;
    }

    /// <summary>The first notice on each of <paramref name="topics"/>, in whatever order they come.</summary>
    private static async Task<Dictionary<string, AlertNotice>> FirstNoticesAsync(TestClient subscriber, params string[] topics)
    {
        var notices = new Dictionary<string, AlertNotice>();
        while (notices.Count < topics.Length)
        {
            var message = await subscriber.NextAsync();
            if (topics.Contains(message.Topic) && !notices.ContainsKey(message.Topic))
            {
                notices[message.Topic] = JsonSerializer.Deserialize<AlertNotice>(message.Payload.ToArray(), AlertNotice.Json)!;
            }
        }

        return notices;
    }

    private static async Task<IReadOnlyList<AlertDto>> AlertsAsync(HttpClient http, string state) =>
        (await http.GetFromJsonAsync<AlertPageDto>($"api/alerts?state={state}"))!.Items;

    [Fact]
    public async Task A_hot_reading_raises_an_alert_that_is_published_acknowledged_and_cleared()
    {
        await using var webhook = new HttpReceiver();
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?>(FastTicks) { ["Alerts:WebhookUrl"] = webhook.Url });
        using var http = app.CreateHttpClient();
        await using var watcher = await TestClient.ConnectAsync(app);
        await watcher.SubscribeAsync("dashboard/alerts/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var sensor = await TestClient.ConnectAsync(app, "temperature_sensor");
        var rule = await CreateRuleAsync(http, HotRule("Living room too hot"));
        const string alertTopic = "dashboard/alerts/living-room-too-hot";

        await sensor.PublishAsync("home/livingroom/temperature", "26.5");

        var raised = await NextNoticeAsync(watcher, alertTopic);
        Assert.Equal(("raised", 26.5, "active"), (raised.Event, raised.Value, raised.Alert.State));
        Assert.Equal((rule.Id, "Living room too hot", "critical"), (raised.Alert.RuleId, raised.Alert.Rule, raised.Alert.Severity));
        Assert.Equal(("home/livingroom/temperature", "temperature"), (raised.Alert.Topic, raised.Alert.Metric));
        Assert.Equal("home/livingroom/temperature is 26.5 (> 25 for 1 s)", raised.Alert.Message);
        var active = Assert.Single(await AlertsAsync(http, "active"));
        var devices = await http.GetFromJsonAsync<List<JsonElement>>("api/devices");
        Assert.Equal(["home/livingroom"], devices!.Select(d => d.GetProperty("id").GetString())); // the notice on dashboard/alerts/... is no device
        Assert.Equal(raised.Alert.Id, active.Id);
        var live = app.Services.GetRequiredService<LiveState>();
        await DashboardApp.WaitUntilAsync(() => live.Topic(alertTopic)?.Publishers is ["dashboard alerts"], "the Topics page to name the alerts as the notice's publisher");
        var hook = await webhook.NextAsync();
        Assert.Equal(("POST", "application/json; charset=utf-8"), (hook.Method, hook.Headers["Content-Type"]));
        var posted = JsonSerializer.Deserialize<AlertNotice>(hook.Body, AlertNotice.Json)!;
        Assert.Equal(("raised", raised.Alert.Id), (posted.Event, posted.Alert.Id));

        var ack = await http.PostAsync($"api/alerts/{active.Id}/ack", null);
        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        Assert.Equal("acknowledged", (await ack.Content.ReadFromJsonAsync<AlertDto>())!.State);
        Assert.Equal("acknowledged", (await NextNoticeAsync(watcher, alertTopic)).Event);
        Assert.Equal("acknowledged", JsonSerializer.Deserialize<AlertNotice>((await webhook.NextAsync()).Body, AlertNotice.Json)!.Event);
        Assert.Empty(await AlertsAsync(http, "active"));
        Assert.Equal(active.Id, Assert.Single(await AlertsAsync(http, "acknowledged")).Id);

        await sensor.PublishAsync("home/livingroom/temperature", "24.5"); // within the hysteresis: still too hot
        await sensor.PublishAsync("home/livingroom/temperature", "23");

        var cleared = await NextNoticeAsync(watcher, alertTopic);
        Assert.Equal(("cleared", 23.0), (cleared.Event, cleared.Value));
        Assert.Equal("cleared", JsonSerializer.Deserialize<AlertNotice>((await webhook.NextAsync()).Body, AlertNotice.Json)!.Event);
        Assert.Empty(await AlertsAsync(http, "acknowledged"));
        var history = Assert.Single(await AlertsAsync(http, "cleared"));
        Assert.Equal(
            [("active", (double?)26.5), ("acknowledged", 26.5), ("cleared", 23)],
            history.Events.Select(e => (e.State, e.Value)));
        Assert.Equal("by API key 'tests'", history.Events[1].Note); // who acknowledged
        Assert.True(history.RaisedAt <= history.AcknowledgedAt && history.AcknowledgedAt <= history.ClearedAt);

        var again = await http.PostAsync($"api/alerts/{active.Id}/ack", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task Rules_and_open_alerts_survive_a_restart_and_the_alert_clears_afterwards()
    {
        var database = DashboardApp.NewDatabasePath();
        long alertId;
        await using (var app = await DashboardApp.StartAsync(database, FastTicks))
        {
            using var http = app.CreateHttpClient();
            await using var watcher = await TestClient.ConnectAsync(app);
            await watcher.SubscribeAsync("dashboard/alerts/#");
            await CreateRuleAsync(http, HotRule("Kitchen too hot", forSeconds: 0));
            await using var sensor = await TestClient.ConnectAsync(app);

            await sensor.PublishAsync("home/kitchen/temperature", "30");

            alertId = (await NextNoticeAsync(watcher, "dashboard/alerts/kitchen-too-hot")).Alert.Id;
            Assert.Equal(HttpStatusCode.OK, (await http.PostAsync($"api/alerts/{alertId}/ack", null)).StatusCode);
        }

        await using (var app = await DashboardApp.StartAsync(database, FastTicks))
        {
            using var http = app.CreateHttpClient();
            var rule = Assert.Single((await http.GetFromJsonAsync<List<AlertRuleDto>>("api/alert-rules"))!);
            Assert.Equal(("Kitchen too hot", "home/+/temperature", "> 25 (clears at 24)"), (rule.Name, rule.Filter, rule.Condition));
            var alert = Assert.Single(await AlertsAsync(http, "acknowledged"));
            Assert.Equal((alertId, 30.0), (alert.Id, alert.Value));
            Assert.Equal(["active", "acknowledged"], alert.Events.Select(e => e.State));

            await using var watcher = await TestClient.ConnectAsync(app);
            await watcher.SubscribeAsync("dashboard/alerts/#");
            await using var sensor = await TestClient.ConnectAsync(app);
            await sensor.PublishAsync("home/kitchen/temperature", "21");

            var cleared = await NextNoticeAsync(watcher, "dashboard/alerts/kitchen-too-hot");
            Assert.Equal(("cleared", alertId), (cleared.Event, cleared.Alert.Id));
            await sensor.PublishAsync("home/kitchen/temperature", "31");
            var next = await NextNoticeAsync(watcher, "dashboard/alerts/kitchen-too-hot");
            Assert.Equal("raised", next.Event);
            Assert.True(next.Alert.Id > alertId, "alert ids go on from where they were");
        }
    }

    [Fact]
    public async Task A_bad_rule_is_refused_with_a_problem_naming_each_field_and_nothing_is_saved()
    {
        await using var app = await DashboardApp.StartAsync();
        using var http = app.CreateHttpClient();

        var response = await http.PostAsJsonAsync("api/alert-rules", new { name = "Bad", filter = "a/#/b", @operator = "=>", threshold = "NaN" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var errors = problem.GetProperty("errors");
        Assert.Contains("'a/#/b' is not a valid topic filter", errors.GetProperty("filter")[0].GetString());
        Assert.Equal("Unknown operator '=>': use >, >=, <, <=, ==, != or outside.", errors.GetProperty("operator")[0].GetString());
        Assert.Equal("The threshold must be a finite number, not NaN.", errors.GetProperty("threshold")[0].GetString());
        Assert.Empty((await http.GetFromJsonAsync<List<AlertRuleDto>>("api/alert-rules"))!);

        using var malformed = new StringContent("""{"name":"x","threshold":NaN}""", System.Text.Encoding.UTF8, "application/json");
        var unreadable = await http.PostAsync("api/alert-rules", malformed);
        Assert.Equal(HttpStatusCode.BadRequest, unreadable.StatusCode);
        Assert.Equal("Not a valid value here: threshold is a number.",
            (await unreadable.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("threshold")[0].GetString());

        Assert.Equal(HttpStatusCode.NotFound, (await http.PutAsJsonAsync("api/alert-rules/999", HotRule("x"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync("api/alerts/999/ack", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("api/alerts?state=open")).StatusCode);
    }

    [Fact]
    public async Task Rules_can_be_read_edited_disabled_and_deleted_through_the_api()
    {
        await using var app = await DashboardApp.StartAsync();
        using var http = app.CreateHttpClient();
        var rule = await CreateRuleAsync(http, HotRule("Too hot"));
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsJsonAsync("api/alert-rules", HotRule("TOO HOT"))).StatusCode);

        var edited = await http.PutAsJsonAsync($"api/alert-rules/{rule.Id}", new
        {
            name = "Too cold",
            filter = "home/#",
            metric = "temperature",
            @operator = "outside",
            low = 15,
            high = 28,
            forSeconds = 30,
            enabled = false,
        });

        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        var read = (await http.GetFromJsonAsync<AlertRuleDto>($"api/alert-rules/{rule.Id}"))!;
        Assert.Equal(("Too cold", "temperature", "outside", 15.0, 28.0, false, "warning"),
            (read.Name, read.Metric, read.Operator, read.Low!.Value, read.High!.Value, read.Enabled, read.Severity));
        Assert.Equal("outside 15 … 28 for 30 s", read.Condition);

        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"api/alert-rules/{rule.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"api/alert-rules/{rule.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.DeleteAsync($"api/alert-rules/{rule.Id}")).StatusCode);
    }

    [Fact]
    public async Task A_device_that_goes_offline_and_a_series_that_goes_silent_raise_alerts_that_clear_when_they_are_back()
    {
        await using var app = await DashboardApp.StartAsync(settings: FastTicks);
        using var http = app.CreateHttpClient();
        await using var watcher = await TestClient.ConnectAsync(app);
        await watcher.SubscribeAsync("dashboard/alerts/#");
        await CreateRuleAsync(http, new { kind = "presence", name = "Sensor offline", filter = "lab/+", forSeconds = 0.5 });
        await CreateRuleAsync(http, new { kind = "staleness", name = "Humidity silent", filter = "lab/+/humidity", forSeconds = 1 });
        await using var device = await TestClient.ConnectAsync(app);

        await device.PublishAsync("lab/sensor9/status", "online", retain: true);
        await device.PublishAsync("lab/sensor9/humidity", "40");
        await device.PublishAsync("lab/sensor9/status", "offline", retain: true);

        var raised = await FirstNoticesAsync(watcher, "dashboard/alerts/sensor-offline", "dashboard/alerts/humidity-silent");
        var offline = raised["dashboard/alerts/sensor-offline"];
        Assert.Equal(("raised", "lab/sensor9", (string?)null), (offline.Event, offline.Alert.DeviceId, offline.Alert.Topic));
        Assert.Equal("lab/sensor9 is offline for more than 0.5 s", offline.Alert.Message);
        var silent = raised["dashboard/alerts/humidity-silent"];
        Assert.Equal(("raised", "lab/sensor9/humidity", 40.0), (silent.Event, silent.Alert.Topic, silent.Value));

        await device.PublishAsync("lab/sensor9/status", "online", retain: true);
        await device.PublishAsync("lab/sensor9/humidity", "41");

        var back = await FirstNoticesAsync(watcher, "dashboard/alerts/sensor-offline", "dashboard/alerts/humidity-silent");
        var online = back["dashboard/alerts/sensor-offline"];
        Assert.Equal(("cleared", "device online"), (online.Event, online.Note));
        var heard = back["dashboard/alerts/humidity-silent"];
        Assert.Equal(("cleared", 41.0), (heard.Event, heard.Value));
    }

    [Fact]
    public async Task Alert_changes_reach_telemetry_hub_clients()
    {
        await using var app = await DashboardApp.StartAsync();
        using var http = app.CreateHttpClient();
        await using var hub = new HubConnectionBuilder().WithUrl(new Uri(app.HttpBase, "hubs/telemetry"), o => o.Headers[ApiKeys.Header] = app.AdminApiKey).Build();
        var received = System.Threading.Channels.Channel.CreateUnbounded<AlertNotice>();
        hub.On<List<AlertNotice>>("alerts", notices => notices.ForEach(n => received.Writer.TryWrite(n)));
        await hub.StartAsync();
        await CreateRuleAsync(http, new { name = "Hot", filter = "home/#", metric = "temperature", @operator = ">", threshold = 25 });
        await using var sensor = await TestClient.ConnectAsync(app);

        await sensor.PublishAsync("home/garage/temperature", "{\"humidity\": 80, \"temperature\": 27.25}");

        using var timeout = new CancellationTokenSource(TestClient.Patience);
        var notice = await received.Reader.ReadAsync(timeout.Token);
        Assert.Equal(("raised", "home/garage/temperature", "temperature", 27.25), (notice.Event, notice.Alert.Topic, notice.Alert.Metric, notice.Value));
    }

    [Fact]
    public async Task A_dead_webhook_does_not_hold_up_alerts()
    {
        var deadUrl = $"http://127.0.0.1:{FreePort.Next()}/nobody-listens";
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?>(FastTicks) { ["Alerts:WebhookUrl"] = deadUrl });
        using var http = app.CreateHttpClient();
        await using var watcher = await TestClient.ConnectAsync(app);
        await watcher.SubscribeAsync("dashboard/alerts/#");
        await CreateRuleAsync(http, HotRule("Hot", forSeconds: 0));
        await using var sensor = await TestClient.ConnectAsync(app);

        for (var i = 0; i < 3; i++)
        {
            await sensor.PublishAsync("home/attic/temperature", "30");
            Assert.Equal("raised", (await NextNoticeAsync(watcher, "dashboard/alerts/hot")).Event);
            await sensor.PublishAsync("home/attic/temperature", "20");
            Assert.Equal("cleared", (await NextNoticeAsync(watcher, "dashboard/alerts/hot")).Event);
        }

        Assert.Equal(3, (await AlertsAsync(http, "cleared")).Count);
    }
}
