using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Dashboard.Alerts;
using Dashboard.Broker;
using Dashboard.IntegrationTests.External;
using Dashboard.IntegrationTests.Infrastructure;
using Dashboard.ScaleOut;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MQTTnet.Protocol;
using Npgsql;

namespace Dashboard.IntegrationTests.ScaleOut;

/// <summary>
/// Two real dashboard instances on one PostgreSQL database and one Redis (and, for the whole cluster, Debian mosquitto as
/// the external broker), all real servers started for the test.
/// </summary>
public sealed class ScaleOutTests(PostgreSqlServer postgres, RedisServer redis) : IClassFixture<PostgreSqlServer>, IClassFixture<RedisServer>
{
    private async Task<Dictionary<string, string?>> ClusterSettingsAsync() => new()
    {
        ["Storage:Provider"] = "PostgreSQL",
        ["ConnectionStrings:Dashboard"] = await postgres.CreateDatabaseAsync(),
        ["Redis:Configuration"] = redis.Configuration,
    };

    [Fact]
    public async Task A_sign_in_on_one_instance_is_good_on_the_other()
    {
        var settings = await ClusterSettingsAsync();
        await using var first = await DashboardApp.StartAsync(settings: settings);
        await using var second = await DashboardApp.StartAsync(settings: settings);

        // The cookie is encrypted with the key ring in Redis: the other instance reads it (cookies ignore the port).
        var cookies = new CookieContainer();
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false });
        var login = await browser.GetStringAsync(new Uri(first.HttpBase, "account/login"));
        var token = Regex.Match(login, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        var signedIn = await browser.PostAsync(new Uri(first.HttpBase, "account/login"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
            ["Input.Username"] = DashboardApp.AdminUser,
            ["Input.Password"] = DashboardApp.AdminPassword,
        }));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(new Uri(second.HttpBase, "api/devices"))).StatusCode);
    }

    [Fact]
    public async Task One_instance_at_a_time_runs_the_periodic_jobs_and_another_takes_over_when_it_stops()
    {
        var settings = await ClusterSettingsAsync();
        static bool Elected(DashboardApp app) => app.Services.GetRequiredService<InstanceElection>().IsElected;
        var first = await DashboardApp.StartAsync(settings: settings);
        await using var second = await DashboardApp.StartAsync(settings: settings);
        try
        {
            await DashboardApp.WaitUntilAsync(() => Elected(first), "the first instance elected");
            await Task.Delay(InstanceElection.Renewal * 2); // the second has tried since
            Assert.False(Elected(second));
        }
        finally
        {
            await first.DisposeAsync();
        }

        await DashboardApp.WaitUntilAsync(() => Elected(second), "the second instance elected once the first stopped");
    }

    [Fact]
    public async Task Settings_edited_on_one_instance_apply_on_the_other()
    {
        var settings = await ClusterSettingsAsync();
        await using var first = await DashboardApp.StartAsync(settings: settings);
        await using var second = await DashboardApp.StartAsync(settings: settings);
        using var a = first.CreateHttpClient();
        using var b = second.CreateHttpClient();

        // Mapping rules decide which device a topic's readings belong to: every instance must map alike.
        (await a.PutAsJsonAsync("api/device-mapping-rules", new { rules = new[] { new { pattern = "plant/{device}/sensors/{metric}" } } })).EnsureSuccessStatusCode();
        await DashboardApp.WaitUntilAsync(async () => (await b.GetFromJsonAsync<System.Text.Json.JsonElement>("api/device-mapping-rules"))
            .GetProperty("rules").EnumerateArray().Any(r => r.GetProperty("pattern").GetString() == "plant/{device}/sensors/{metric}"), "the mapping rule on the other instance");

        // A channel made on one instance can be named by a rule made on the other.
        var created = await a.PostAsJsonAsync("api/notification-channels", new { name = "hook", kind = "webhook", settings = new { url = "http://127.0.0.1:9/hook" } });
        created.EnsureSuccessStatusCode();
        var channel = (await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetInt64();
        await DashboardApp.WaitUntilAsync(async () => (await b.GetAsync($"api/notification-channels/{channel}")).StatusCode == HttpStatusCode.OK, "the channel on the other instance");
        (await b.PostAsJsonAsync("api/alert-rules", new { name = "Too hot", filter = "plant/#", @operator = ">", threshold = 50, channels = new[] { channel } })).EnsureSuccessStatusCode();
        await DashboardApp.WaitUntilAsync(async () => (await a.GetFromJsonAsync<List<AlertRuleDto>>("api/alert-rules"))!.SingleOrDefault()?.Channels.SequenceEqual([channel]) == true,
            "the rule, with its channel, on the first instance");
    }

    [Fact]
    public async Task Each_instance_shows_every_reading_each_is_stored_once_and_raises_one_alert_and_one_carries_on_alone()
    {
        const int Sensors = 10;
        await using var mosquitto = await Mosquitto.StartAsync();
        var database = await postgres.CreateDatabaseAsync();
        var group = "group-" + Guid.NewGuid().ToString("N")[..8];
        // No persistent session: a stopped instance leaves the group at once, and the other gets all of the messages.
        Dictionary<string, string?> Settings(string clientId) => new(mosquitto.Settings(clientId, group, sessionExpiry: "00:00:00"))
        {
            ["Storage:Provider"] = "PostgreSQL",
            ["ConnectionStrings:Dashboard"] = database,
            ["Redis:Configuration"] = redis.Configuration,
        };

        var apps = new List<DashboardApp> { await StartAsync(Settings("dash-a")), await StartAsync(Settings("dash-b")) };
        try
        {
            using var a = apps[0].CreateHttpClient();
            using var b = apps[1].CreateHttpClient();
            (await a.PostAsJsonAsync("api/alert-rules", new { name = "Too hot", filter = "plant/#", @operator = ">", threshold = 50 })).EnsureSuccessStatusCode();
            await DashboardApp.WaitUntilAsync(async () => (await b.GetFromJsonAsync<List<AlertRuleDto>>("api/alert-rules"))!.Count == 1, "the rule on the other instance");
            await DashboardApp.WaitUntilAsync(() => apps.Any(Judges), "one instance to judge alerts");

            var first = await PublishAsync(mosquitto, "plant/first", Sensors);
            foreach (var http in new[] { a, b })
            {
                await ExternalBrokerTests.LatestAsync(http, latest => first.All(latest.ContainsKey)); // live on both, not only the one that stored it
                await DashboardApp.WaitUntilAsync(async () => (await OpenAlertsAsync(http)).Count == Sensors, "an alert per sensor on each instance");
            }

            static async Task<List<(long, string, string)>> Shown(HttpClient http) => [.. (await OpenAlertsAsync(http)).Select(x => (x.Id, x.Topic!, x.State))];
            Assert.Equal(await Shown(a), await Shown(b)); // the same alerts, ids and all
            await AssertStoredOnceAsync(database, Sensors, Sensors);

            // Acknowledged on the instance that does not judge: the judging one records it, once, and both show it.
            var judge = apps.Single(Judges);
            var follower = apps.Single(app => !Judges(app));
            using (var followerHttp = follower.CreateHttpClient())
            {
                var id = (await OpenAlertsAsync(followerHttp))[0].Id;
                (await followerHttp.PostAsync($"api/alerts/{id}/ack", null)).EnsureSuccessStatusCode();
                foreach (var http in new[] { a, b })
                {
                    await DashboardApp.WaitUntilAsync(async () => (await OpenAlertsAsync(http)).Single(x => x.Id == id).State == "acknowledged", "the acknowledgement on each instance");
                }

                await AssertOnceAsync(database, $"""SELECT count(*) FROM "AlertEvents" WHERE "AlertId" = {id} AND "State" = 'Acknowledged' """, 1);
            }

            // The judging instance stops: the other gets every message, stores them, and judges.
            var judgeId = judge.Services.GetRequiredService<IOptions<BrokerOptions>>().Value.External.ClientId!;
            apps.Remove(judge);
            await judge.DisposeAsync();
            await DashboardApp.WaitUntilAsync(() => Judges(follower), "the remaining instance to judge alerts");
            using var alone = follower.CreateHttpClient();
            var second = await PublishAsync(mosquitto, "plant/second", Sensors);
            await ExternalBrokerTests.LatestAsync(alone, latest => second.All(latest.ContainsKey));
            await DashboardApp.WaitUntilAsync(async () => (await OpenAlertsAsync(alone)).Count == 2 * Sensors, "alerts for the new sensors");
            await AssertStoredOnceAsync(database, 2 * Sensors, 2 * Sensors);

            // Back again, it rejoins: it shows everything, including what came while it was away.
            apps.Add(await StartAsync(Settings(judgeId)));
            using var back = apps[^1].CreateHttpClient();
            var third = await PublishAsync(mosquitto, "plant/third", Sensors);
            foreach (var http in new[] { alone, back })
            {
                await ExternalBrokerTests.LatestAsync(http, latest => third.All(latest.ContainsKey));
                await DashboardApp.WaitUntilAsync(async () => (await OpenAlertsAsync(http)).Count == 3 * Sensors, "every alert on each instance");
            }

            await AssertStoredOnceAsync(database, 3 * Sensors, 3 * Sensors);
        }
        finally
        {
            foreach (var app in apps)
            {
                await app.DisposeAsync();
            }
        }
    }

    private static bool Judges(DashboardApp app) => app.Services.GetRequiredService<AlertEngine>().Evaluating;

    private static async Task<DashboardApp> StartAsync(Dictionary<string, string?> settings)
    {
        var app = await DashboardApp.StartAsync(settings: settings);
        using var http = app.CreateHttpClient();
        await ExternalBrokerTests.WaitForHealthyAsync(http);
        return app;
    }

    /// <summary>One reading above the rule's threshold on each of <paramref name="count"/> topics, QoS 1, from a device on the external broker.</summary>
    private static async Task<List<string>> PublishAsync(Mosquitto mosquitto, string prefix, int count)
    {
        await using var device = await TestClient.ConnectAsync(TestClient.Options(mosquitto.Port, "sensor-" + Guid.NewGuid().ToString("N")[..8]).Build());
        List<string> topics = [.. Enumerable.Range(0, count).Select(i => $"{prefix}/s{i}/temperature")];
        foreach (var topic in topics)
        {
            await device.PublishAsync(topic, "60", MqttQualityOfServiceLevel.AtLeastOnce);
        }

        return topics;
    }

    private static async Task<List<AlertDto>> OpenAlertsAsync(HttpClient http)
    {
        // One request, one snapshot: two (active, then acknowledged) could both list an alert acknowledged in between.
        var all = (await http.GetFromJsonAsync<AlertPageDto>("api/alerts?limit=1000"))!.Items;
        return [.. all.Where(x => x.State != "cleared").OrderBy(x => x.Id)];
    }

    private static async Task AssertStoredOnceAsync(string database, long readings, long alerts)
    {
        await AssertOnceAsync(database, """SELECT count(*) FROM "Readings" """, readings);
        await AssertOnceAsync(database, """SELECT count(*) FROM "Alerts" """, alerts);
    }

    /// <summary>Once <paramref name="count"/> rows are there, a moment more, so that a second copy (an instance storing what it only showed) would have come too.</summary>
    private static async Task AssertOnceAsync(string database, string countSql, long count)
    {
        await DashboardApp.WaitUntilAsync(async () => await CountAsync(database, countSql) >= count, $"{count} rows: {countSql}");
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(count, await CountAsync(database, countSql));
    }

    private static async Task<long> CountAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
