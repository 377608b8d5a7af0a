using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Alerts;
using Dashboard.Alerts.Notifications;
using Dashboard.IntegrationTests.Infrastructure;

namespace Dashboard.IntegrationTests.Alerts;

public sealed class NotificationRestartTests
{
    [Fact]
    public async Task Channels_their_secrets_their_rules_and_their_figures_survive_a_restart()
    {
        await using var webhook = new HttpReceiver();
        var database = DashboardApp.NewDatabasePath();
        long id;
        await using (var first = await DashboardApp.StartAsync(database))
        {
            using var http = first.CreateHttpClient();
            var created = await http.PostAsJsonAsync("api/notification-channels", new
            {
                name = "hook",
                kind = "webhook",
                settings = new { url = webhook.Url },
                secrets = new { headers = "Authorization: Bearer survives" },
            });
            id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt64();
            (await http.PostAsJsonAsync("api/alert-rules", new { name = "Too hot", filter = "home/#", @operator = ">", threshold = 25, channels = new[] { id } })).EnsureSuccessStatusCode();
            Assert.True((await (await http.PostAsync($"api/notification-channels/{id}/test", null)).Content.ReadFromJsonAsync<ChannelTestResult>())!.Ok);
            await webhook.NextAsync();
        }

        await using var second = await DashboardApp.StartAsync(database);
        using var again = second.CreateHttpClient();
        var channel = JsonDocument.Parse(await again.GetStringAsync($"api/notification-channels/{id}")).RootElement;
        Assert.Equal("set", channel.GetProperty("secrets").GetProperty("headers").GetString());
        Assert.Equal(JsonValueKind.String, channel.GetProperty("status").GetProperty("lastSuccessAt").ValueKind);
        Assert.Equal([id], channel.GetProperty("rules").EnumerateArray().Select(r => r.GetInt64()));
        Assert.Equal([id], (await again.GetFromJsonAsync<List<AlertRuleDto>>("api/alert-rules"))!.Single().Channels);

        await using var sensor = await TestClient.ConnectAsync(second, "sensor");
        await sensor.PublishAsync("home/kitchen/temperature", "30");

        var hook = await webhook.NextAsync();
        Assert.Equal(("Bearer survives", "raised"), (hook.Headers["Authorization"], hook.Headers["X-Dashboard-Event"]));
    }
}
