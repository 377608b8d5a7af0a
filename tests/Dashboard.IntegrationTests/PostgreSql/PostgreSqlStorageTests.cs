using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.IntegrationTests.Infrastructure;
using MQTTnet.Protocol;
using Npgsql;

namespace Dashboard.IntegrationTests.PostgreSql;

/// <summary>The real app with <c>Storage:Provider=PostgreSQL</c> on a real PostgreSQL server: everything it stores lands there and comes back after a restart.</summary>
public sealed class PostgreSqlStorageTests(PostgreSqlServer server) : IClassFixture<PostgreSqlServer>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static Dictionary<string, string?> On(string connectionString) => new()
    {
        ["Storage:Provider"] = "PostgreSQL",
        ["ConnectionStrings:Dashboard"] = connectionString,
        ["Alerts:EvaluationInterval"] = "00:00:00.200",
    };

    [Fact]
    public async Task Readings_rules_alerts_and_keys_are_kept_in_PostgreSQL_across_a_restart()
    {
        var database = await server.CreateDatabaseAsync();
        string apiKey;
        await using (var app = await DashboardApp.StartAsync(settings: On(database)))
        {
            using var http = app.CreateHttpClient();
            var created = await http.PostAsJsonAsync("api/alert-rules", new
            {
                name = "Freezer too warm",
                filter = "lab/+/temperature",
                @operator = ">",
                threshold = -10,
                forSeconds = 0,
                severity = "critical",
            });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            apiKey = await app.CreateApiKeyAsync(Dashboard.Accounts.DashboardRoles.Viewer, "wall display");

            await using var sensor = await TestClient.ConnectAsync(app);
            await sensor.PublishAsync("lab/freezer/temperature", "-18.5", MqttQualityOfServiceLevel.AtLeastOnce);
            await sensor.PublishAsync("lab/freezer/temperature", "-4 °C", MqttQualityOfServiceLevel.AtLeastOnce);

            await DashboardApp.WaitUntilAsync(async () => (await PointsAsync(http)).Count == 2, "two readings stored");
            await DashboardApp.WaitUntilAsync(async () => (await ActiveAlertsAsync(http)).Count == 1, "the alert raised");
        }

        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await using var count = new NpgsqlCommand("""SELECT count(*) FROM "Readings" """, connection);
            Assert.Equal(2L, await count.ExecuteScalarAsync()); // in the server's table, not in a file beside the app
        }

        await using (var again = await DashboardApp.StartAsync(settings: On(database)))
        {
            using var http = again.CreateHttpClient();
            Assert.Equal([-18.5, -4.0], (await PointsAsync(http)).Select(p => p.GetProperty("value").GetDouble()));
            var alert = Assert.Single(await ActiveAlertsAsync(http));
            Assert.Equal(-4.0, alert.GetProperty("value").GetDouble());
            var rule = Assert.Single((await http.GetFromJsonAsync<List<JsonElement>>("api/alert-rules"))!);
            Assert.Equal("Freezer too warm", rule.GetProperty("name").GetString());

            using var viewer = again.CreateHttpClient(apiKey); // a key made before the restart still opens the API
            Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("api/devices")).StatusCode);
            var csv = await viewer.GetStringAsync("api/readings.csv?topic=lab/freezer/temperature");
            Assert.Equal(3, csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length); // the header and both readings
            Assert.EndsWith(",lab/freezer/temperature,temperature,-4,°C\r\n", csv, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Rule_names_are_unique_whatever_their_case_as_on_SQLite()
    {
        await using var app = await DashboardApp.StartAsync(settings: On(await server.CreateDatabaseAsync()));
        using var http = app.CreateHttpClient();
        object Rule(string name) => new { name, filter = "lab/#", @operator = ">", threshold = 1 };

        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("api/alert-rules", Rule("Too hot"))).StatusCode);
        var duplicate = await http.PostAsJsonAsync("api/alert-rules", Rule("TOO HOT"));

        Assert.Equal(HttpStatusCode.BadRequest, duplicate.StatusCode);
        Assert.Single((await http.GetFromJsonAsync<List<JsonElement>>("api/alert-rules"))!);
    }

    [Fact]
    public async Task A_backup_download_says_the_database_server_backs_itself_up()
    {
        await using var app = await DashboardApp.StartAsync(settings: On(await server.CreateDatabaseAsync()));
        using var http = app.CreateHttpClient();

        using var response = await http.GetAsync("api/backup");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("pg_dump", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readings_that_arrive_while_PostgreSQL_restarts_are_stored_once_it_is_back()
    {
        await using var app = await DashboardApp.StartAsync(settings: On(await server.CreateDatabaseAsync()));
        using var http = app.CreateHttpClient();
        await using var sensor = await TestClient.ConnectAsync(app);
        var topic = $"tank/{Guid.NewGuid():N}/level";
        // QoS 0: a QoS 1 PUBACK waits for the broker's own state, stored in the same database.
        await sensor.PublishAsync(topic, "0");
        await DashboardApp.WaitUntilAsync(async () => await StoredAsync(http, topic) == 1, "the first reading stored");

        await server.StopAsync();
        for (var i = 1; i <= 10; i++)
        {
            await sensor.PublishAsync(topic, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        await Task.Delay(TimeSpan.FromSeconds(2)); // the writer tries, and is refused: before, that batch was dropped
        await server.StartAsync();

        await DashboardApp.WaitUntilAsync(async () => await StoredAsync(http, topic) == 11, "the ten readings held while PostgreSQL was down");
    }

    /// <summary>How many raw readings of the topic the CSV export gives; -1 while the database does not answer.</summary>
    private static async Task<int> StoredAsync(HttpClient http, string topic)
    {
        try
        {
            using var response = await http.GetAsync($"api/readings.csv?topic={Uri.EscapeDataString(topic)}");
            return response.IsSuccessStatusCode
                ? (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length - 1
                : -1;
        }
        catch (HttpRequestException)
        {
            return -1;
        }
    }

    private static async Task<List<JsonElement>> PointsAsync(HttpClient http)
    {
        using var response = await http.GetAsync("api/readings?topic=lab/freezer/temperature");
        return response.StatusCode == HttpStatusCode.OK
            ? [.. (await response.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("points").EnumerateArray()]
            : [];
    }

    private static async Task<List<JsonElement>> ActiveAlertsAsync(HttpClient http) =>
        [.. (await http.GetFromJsonAsync<JsonElement>("api/alerts?state=active")).GetProperty("items").EnumerateArray()];
}
