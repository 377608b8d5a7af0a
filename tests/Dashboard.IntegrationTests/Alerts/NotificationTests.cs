using System.Buffers;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dashboard.Alerts;
using Dashboard.Alerts.Notifications;
using Dashboard.IntegrationTests.Infrastructure;
using Dashboard.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.Alerts;

/// <summary>Alert notifications through the real app to real receivers: HTTP servers on loopback, an SMTP sink, an MQTT subscriber.</summary>
public sealed class NotificationTests
{
    // Retries after 100 ms and 300 ms instead of 5 s and 30 s; everything else as shipped.
    private static readonly Dictionary<string, string?> Fast = new()
    {
        ["Alerts:EvaluationInterval"] = "00:00:00.200",
        ["Notifications:Retries"] = "2",
        ["Notifications:RetryDelay"] = "00:00:00.100",
        ["Notifications:RetryBackoff"] = "3",
    };

    private static async Task<JsonElement> CreateChannelAsync(HttpClient http, object channel)
    {
        var response = await http.PostAsJsonAsync("api/notification-channels", channel);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        return JsonDocument.Parse(body).RootElement;
    }

    private static async Task<AlertRuleDto> CreateRuleAsync(HttpClient http, string name, string filter, params long[] channels)
    {
        var response = await http.PostAsJsonAsync("api/alert-rules", new { name, filter, @operator = ">", threshold = 25, severity = "critical", channels });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<AlertRuleDto>())!;
    }

    private static async Task<JsonElement> StatusAsync(HttpClient http, long id) =>
        JsonDocument.Parse(await http.GetStringAsync($"api/notification-channels/{id}")).RootElement.GetProperty("status");

    [Fact]
    public async Task A_rule_sends_an_opened_alert_to_each_of_its_channels()
    {
        await using var webhook = new HttpReceiver();
        await using var ntfy = new HttpReceiver();
        await using var telegram = new HttpReceiver();
        await using var smtp = await SmtpSink.StartAsync("dashboard", "smtp password");
        await using var app = await DashboardApp.StartAsync(settings: Fast);
        using var http = app.CreateHttpClient();
        await using var watcher = await TestClient.ConnectAsync(app);
        await watcher.SubscribeAsync("notify/#", MqttQualityOfServiceLevel.AtLeastOnce);
        var channels = new[]
        {
            await CreateChannelAsync(http, new
            {
                name = "chat hook", kind = "webhook",
                settings = new { url = webhook.Url + "hook", bodyTemplate = """{"text": "{{rule}}: {{message}}", "value": {{value}}, "state": "{{state}}"}""" },
                secrets = new { headers = "Authorization: Bearer hook-secret" },
            }),
            await CreateChannelAsync(http, new { name = "phone", kind = "ntfy", settings = new { server = ntfy.Url, topic = "house" }, secrets = new { token = "tk_ntfy-secret" } }),
            await CreateChannelAsync(http, new
            {
                name = "mail", kind = "email",
                settings = new { host = "127.0.0.1", port = smtp.Port, security = "none", username = "dashboard", from = "Dashboard <dash@example.org>", to = new[] { "ops@example.org" } },
                secrets = new { password = "smtp password" },
            }),
            await CreateChannelAsync(http, new { name = "bot", kind = "telegram", settings = new { chatId = "-100123", apiUrl = telegram.Url }, secrets = new { botToken = "123:bot-secret" } }),
            await CreateChannelAsync(http, new { name = "display", kind = "mqtt", settings = new { topic = "notify/{{rule}}/{{device}}", qos = 1 } }),
        };
        var rule = await CreateRuleAsync(http, "Too hot", "home/+/temperature", [.. channels.Select(c => c.GetProperty("id").GetInt64())]);
        Assert.Equal(channels.Select(c => c.GetProperty("id").GetInt64()).Order(), rule.Channels);
        await using var sensor = await TestClient.ConnectAsync(app, "sensor");

        await sensor.PublishAsync("home/kitchen/temperature", "26.5");

        var hook = await webhook.NextAsync();
        Assert.Equal(("POST", "/hook", "Bearer hook-secret", "raised"), (hook.Method, hook.Path, hook.Headers["Authorization"], hook.Headers["X-Dashboard-Event"]));
        using (var body = JsonDocument.Parse(hook.Body))
        {
            Assert.Equal("Too hot: home/kitchen/temperature is 26.5 (> 25)", body.RootElement.GetProperty("text").GetString());
            Assert.Equal((26.5, "active"), (body.RootElement.GetProperty("value").GetDouble(), body.RootElement.GetProperty("state").GetString()));
        }

        var pushed = await ntfy.NextAsync();
        Assert.Equal("Bearer tk_ntfy-secret", pushed.Headers["Authorization"]);
        using (var body = JsonDocument.Parse(pushed.Body))
        {
            Assert.Equal(("house", "Raised: Too hot", 5), (body.RootElement.GetProperty("topic").GetString(), body.RootElement.GetProperty("title").GetString(),
                body.RootElement.GetProperty("priority").GetInt32()));
            Assert.StartsWith("home/kitchen/temperature is 26.5", body.RootElement.GetProperty("message").GetString());
            Assert.Equal("rotating_light", body.RootElement.GetProperty("tags")[0].GetString());
        }

        var mail = await smtp.NextAsync();
        Assert.Equal(("[Dashboard] Raised: Too hot", "ops@example.org", "dash@example.org"),
            (mail.Subject, mail.To.Mailboxes.Single().Address, mail.From.Mailboxes.Single().Address));
        Assert.StartsWith("home/kitchen/temperature is 26.5 (> 25)", mail.TextBody);

        var bot = await telegram.NextAsync();
        Assert.Equal("/bot123:bot-secret/sendMessage", bot.Path);
        using (var body = JsonDocument.Parse(bot.Body))
        {
            Assert.Equal("-100123", body.RootElement.GetProperty("chat_id").GetString());
            Assert.StartsWith("Raised: Too hot\n\nhome/kitchen/temperature is 26.5", body.RootElement.GetProperty("text").GetString());
        }

        var published = await watcher.NextOnAsync("notify/Too hot/home/kitchen/temperature");
        var notice = JsonSerializer.Deserialize<AlertNotice>(published.Payload.ToArray(), AlertNotice.Json)!;
        Assert.Equal(("raised", "Too hot", 26.5), (notice.Event, notice.Alert.Rule, notice.Value));
        var devices = await http.GetFromJsonAsync<List<JsonElement>>("api/devices");
        Assert.Equal(["home/kitchen"], devices!.Select(d => d.GetProperty("id").GetString())); // the notification is no device

        await DashboardApp.WaitUntilAsync(async () =>
        {
            var all = JsonDocument.Parse(await http.GetStringAsync("api/notification-channels")).RootElement;
            return all.EnumerateArray().All(c => c.GetProperty("status").GetProperty("sent").GetInt64() == 1);
        }, "every channel to count one notification sent");
    }

    [Fact]
    public async Task A_failing_receiver_is_tried_again_and_then_its_failure_shows_in_the_api()
    {
        await using var failing = new HttpReceiver { Answer = (500, "database down") };
        await using var missing = new HttpReceiver { Answer = (404, "no such hook") };
        await using var app = await DashboardApp.StartAsync(settings: Fast);
        using var http = app.CreateHttpClient();
        var down = (await CreateChannelAsync(http, new { name = "down", kind = "webhook", settings = new { url = failing.Url } })).GetProperty("id").GetInt64();
        var gone = (await CreateChannelAsync(http, new { name = "gone", kind = "webhook", settings = new { url = missing.Url } })).GetProperty("id").GetInt64();
        await CreateRuleAsync(http, "Too hot", "home/+/temperature", down, gone);
        await using var sensor = await TestClient.ConnectAsync(app, "sensor");

        await sensor.PublishAsync("home/kitchen/temperature", "30");

        await DashboardApp.WaitUntilAsync(async () => (await StatusAsync(http, down)).GetProperty("failed").GetInt64() == 1, "the failing channel to give up");
        Assert.Equal(3, failing.Count); // the first try and Notifications:Retries (2) more
        var status = await StatusAsync(http, down);
        Assert.Equal("The webhook answered HTTP 500 Internal Server Error: database down", status.GetProperty("lastError").GetString());
        Assert.Equal(0, status.GetProperty("sent").GetInt64());
        Assert.Equal(JsonValueKind.String, status.GetProperty("lastFailureAt").ValueKind);

        await DashboardApp.WaitUntilAsync(async () => (await StatusAsync(http, gone)).GetProperty("failed").GetInt64() == 1, "the 404 channel to give up");
        Assert.Equal(1, missing.Count); // a 404 cannot get better by asking again
        Assert.Equal("The webhook answered HTTP 404 Not Found: no such hook", (await StatusAsync(http, gone)).GetProperty("lastError").GetString());

        var metrics = await http.GetStringAsync("metrics");
        Assert.Contains("dashboard_notifications_failed", metrics);
    }

    [Fact]
    public async Task Send_a_test_says_whether_the_receiver_took_it_or_what_it_answered()
    {
        await using var ntfy = new HttpReceiver();
        await using var telegram = new HttpReceiver { Answer = (400, """{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}""") };
        await using var smtp = await SmtpSink.StartAsync("dashboard", "right password");
        await using var app = await DashboardApp.StartAsync(settings: Fast);
        using var http = app.CreateHttpClient();
        var phone = (await CreateChannelAsync(http, new { name = "phone", kind = "ntfy", settings = new { server = ntfy.Url, topic = "house" } })).GetProperty("id").GetInt64();
        var bot = (await CreateChannelAsync(http, new { name = "bot", kind = "telegram", settings = new { chatId = "42", apiUrl = telegram.Url }, secrets = new { botToken = "999:bot-secret" } }))
            .GetProperty("id").GetInt64();
        var mail = (await CreateChannelAsync(http, new
        {
            name = "mail",
            kind = "email",
            settings = new { host = "127.0.0.1", port = smtp.Port, security = "none", username = "dashboard", from = "dash@example.org", to = new[] { "ops@example.org" } },
            secrets = new { password = "wrong password" },
        })).GetProperty("id").GetInt64();

        var ok = await http.PostAsync($"api/notification-channels/{phone}/test", null);
        var refused = await (await http.PostAsync($"api/notification-channels/{bot}/test", null)).Content.ReadFromJsonAsync<ChannelTestResult>();
        var login = await (await http.PostAsync($"api/notification-channels/{mail}/test", null)).Content.ReadFromJsonAsync<ChannelTestResult>();

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var sent = (await ok.Content.ReadFromJsonAsync<ChannelTestResult>())!;
        Assert.Equal((true, null), (sent.Ok, sent.Error));
        using (var body = JsonDocument.Parse((await ntfy.NextAsync()).Body))
        {
            Assert.Equal("Test notification from the dashboard", body.RootElement.GetProperty("title").GetString());
            Assert.Equal("test_tube", body.RootElement.GetProperty("tags")[0].GetString());
            Assert.Contains("This is a test of the notification channel “phone”", body.RootElement.GetProperty("message").GetString());
        }

        Assert.False(refused!.Ok);
        Assert.Equal("Telegram answered HTTP 400 Bad Request: Bad Request: chat not found", refused.Error);
        Assert.False(login!.Ok);
        Assert.StartsWith("The SMTP server refused the login:", login.Error);
        Assert.Equal(refused.Error, (await StatusAsync(http, bot)).GetProperty("lastError").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync("api/notification-channels/999/test", null)).StatusCode);
        using var viewer = app.CreateHttpClient(await app.CreateApiKeyAsync("Viewer", "viewer"));
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsync($"api/notification-channels/{phone}/test", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync("api/notification-channels")).StatusCode);
    }

    [Fact]
    public async Task Secrets_are_stored_encrypted_kept_when_left_out_and_never_in_an_api_response()
    {
        string[] secrets = ["Bearer hook-secret-1", "tk_ntfy-secret-2", "smtp-secret-3", "777:bot-secret-4"];
        await using var webhook = new HttpReceiver();
        await using var telegram = new HttpReceiver { Answer = (401, """{"ok":false,"description":"Unauthorized"}""") };
        await using var app = await DashboardApp.StartAsync(settings: Fast);
        using var http = app.CreateHttpClient();
        var responses = new StringBuilder();
        async Task<string> Read(HttpResponseMessage response)
        {
            var text = await response.Content.ReadAsStringAsync();
            responses.AppendLine(text);
            return text;
        }

        var hookJson = await Read(await http.PostAsJsonAsync("api/notification-channels", new
        {
            name = "hook",
            kind = "webhook",
            settings = new { url = webhook.Url },
            secrets = new { headers = $"Authorization: {secrets[0]}" },
        }));
        var hook = JsonDocument.Parse(hookJson).RootElement;
        Assert.Equal("set", hook.GetProperty("secrets").GetProperty("headers").GetString());
        await Read(await http.PostAsJsonAsync("api/notification-channels", new { name = "phone", kind = "ntfy", settings = new { server = webhook.Url, topic = "t" }, secrets = new { token = secrets[1] } }));
        await Read(await http.PostAsJsonAsync("api/notification-channels", new
        {
            name = "mail",
            kind = "email",
            settings = new { host = "127.0.0.1", username = "u", from = "a@example.org", to = new[] { "b@example.org" } },
            secrets = new { password = secrets[2] },
        }));
        var bot = JsonDocument.Parse(await Read(await http.PostAsJsonAsync("api/notification-channels", new
        {
            name = "bot",
            kind = "telegram",
            settings = new { chatId = "1", apiUrl = telegram.Url },
            secrets = new { botToken = secrets[3] },
        }))).RootElement.GetProperty("id").GetInt64();
        var hookId = hook.GetProperty("id").GetInt64();

        // An edit that leaves the secret out keeps it: the test still carries the header.
        var edited = await Read(await http.PutAsJsonAsync($"api/notification-channels/{hookId}", new { name = "hook renamed", kind = "webhook", settings = new { url = webhook.Url } }));
        Assert.Contains("\"headers\":\"set\"", edited);
        await Read(await http.PostAsync($"api/notification-channels/{hookId}/test", null));
        Assert.Equal(secrets[0], (await webhook.NextAsync()).Headers["Authorization"]);
        var failed = await Read(await http.PostAsync($"api/notification-channels/{bot}/test", null)); // the token is in the URL it failed on
        Assert.Contains("Unauthorized", failed);
        await Read(await http.GetAsync("api/notification-channels"));
        await Read(await http.GetAsync($"api/notification-channels/{bot}"));
        await Read(await http.PostAsJsonAsync("api/alert-rules", new { name = "r", filter = "a/#", @operator = ">", threshold = 1, channels = new[] { hookId, bot } }));
        await Read(await http.GetAsync("api/alert-rules"));
        await Read(await http.PutAsJsonAsync($"api/notification-channels/{bot}", new { name = "bot", kind = "telegram", settings = new { chatId = "not a chat" }, secrets = new { botToken = secrets[3] } }));

        var all = responses.ToString();
        Assert.All(secrets, secret => Assert.DoesNotContain(secret, all));
        Assert.All(secrets, secret => Assert.DoesNotContain(secret.Split(' ')[^1], all));
        await using var scope = app.Services.CreateAsyncScope();
        var stored = await scope.ServiceProvider.GetRequiredService<DashboardDbContext>().Set<NotificationChannelEntity>().AsNoTracking().ToListAsync();
        Assert.Equal(4, stored.Count(c => c.Secrets is { Length: > 0 }));
        Assert.All(secrets, secret => Assert.DoesNotContain(stored, c => (c.Secrets + c.Settings + c.LastError).Contains(secret.Split(' ')[^1], StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_channel_sends_at_most_its_rate_and_counts_the_rest_so_a_storm_cannot_flood_it()
    {
        await using var webhook = new HttpReceiver();
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?>(Fast) { ["Notifications:MaxPerMinute"] = "2" });
        using var http = app.CreateHttpClient();
        var id = (await CreateChannelAsync(http, new { name = "hook", kind = "webhook", settings = new { url = webhook.Url } })).GetProperty("id").GetInt64();
        await CreateRuleAsync(http, "Storm", "storm/+/temperature", id);
        await using var sensor = await TestClient.ConnectAsync(app, "sensor");

        for (var i = 0; i < 6; i++)
        {
            await sensor.PublishAsync($"storm/room{i}/temperature", "30");
        }

        await DashboardApp.WaitUntilAsync(async () => (await StatusAsync(http, id)) is var s && s.GetProperty("sent").GetInt64() == 2 && s.GetProperty("suppressed").GetInt64() == 4,
            "two notifications sent and four held back");
        Assert.Equal(2, webhook.Count);
        Assert.Equal(6, (await http.GetFromJsonAsync<AlertPageDto>("api/alerts?state=active"))!.Total); // every alert is there; only the messages were held back
    }

    [Fact]
    public async Task Bad_channels_get_a_problem_naming_each_field_and_deleting_one_takes_it_off_its_rules()
    {
        await using var app = await DashboardApp.StartAsync();
        using var http = app.CreateHttpClient();

        var bad = await http.PostAsJsonAsync("api/notification-channels", new { name = "", kind = "telegram", settings = new { chatId = "x y" } });
        var problem = JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(["name", "secrets.botToken", "settings.chatId"], problem.EnumerateObject().Select(p => p.Name).Order());
        var unknownRuleChannel = await http.PostAsJsonAsync("api/alert-rules", new { name = "r", filter = "a/#", @operator = ">", threshold = 1, channels = new[] { 42 } });
        Assert.Equal(HttpStatusCode.BadRequest, unknownRuleChannel.StatusCode);
        Assert.Contains("There is no notification channel 42.", await unknownRuleChannel.Content.ReadAsStringAsync());

        var id = (await CreateChannelAsync(http, new { name = "hook", kind = "webhook", settings = new { url = "http://127.0.0.1:9/" } })).GetProperty("id").GetInt64();
        var rule = await CreateRuleAsync(http, "Too hot", "home/#", id);
        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"api/notification-channels/{id}")).StatusCode);

        Assert.Empty((await http.GetFromJsonAsync<AlertRuleDto>($"api/alert-rules/{rule.Id}"))!.Channels);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"api/notification-channels/{id}")).StatusCode);
    }
}
