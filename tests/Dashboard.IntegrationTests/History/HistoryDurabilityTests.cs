using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.IntegrationTests.Infrastructure;
using Dashboard.Live;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.History;

/// <summary>History across restarts, crashes and retention: the real app, its SQLite file, a real MQTT client.</summary>
public sealed class HistoryDurabilityTests
{
    private static string Q(string value) => Uri.EscapeDataString(value);

    private static long Scalar(string databasePath, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<string[]> CsvRowsAsync(HttpClient http, string topic)
    {
        using var response = await http.GetAsync($"api/readings.csv?topic={Q(topic)}");
        if (!response.IsSuccessStatusCode)
        {
            return [];
        }

        return [.. (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Skip(1)];
    }

    [Fact]
    public async Task History_survives_a_restart_and_retained_readings_replayed_at_start_are_not_stored_again()
    {
        var database = DashboardApp.NewDatabasePath();
        var topic = $"hist/{Guid.NewGuid():N}/temperature";
        await using (var app = await DashboardApp.StartAsync(database))
        {
            await using var device = await TestClient.ConnectAsync(app);
            await device.PublishAsync(topic, "7.25", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
            using var http = app.CreateHttpClient();
            await DashboardApp.WaitUntilAsync(async () => (await CsvRowsAsync(http, topic)).Length == 1, "the reading to be stored");
            await app.FlushBrokerStateAsync();
        }

        await using var again = await DashboardApp.StartAsync(database);
        await DashboardApp.WaitUntilAsync(() => again.Services.GetRequiredService<LiveState>().Topic(topic) is not null, "the retained reading to be replayed");
        // Readings are written in the order they arrive: once a later one is stored, a replayed one would be too.
        var marker = $"hist/{Guid.NewGuid():N}/marker";
        await using (var device = await TestClient.ConnectAsync(again))
        {
            await device.PublishAsync(marker, "1", MqttQualityOfServiceLevel.AtLeastOnce);
        }

        using var client = again.CreateHttpClient();
        await DashboardApp.WaitUntilAsync(async () => (await CsvRowsAsync(client, marker)).Length == 1, "the marker reading to be stored");
        var rows = await CsvRowsAsync(client, topic);
        Assert.EndsWith(",7.25,", Assert.Single(rows), StringComparison.Ordinal);
        var series = await client.GetFromJsonAsync<JsonElement>($"api/readings?topic={Q(topic)}");
        Assert.Equal(7.25, Assert.Single(series.GetProperty("points").EnumerateArray()).GetProperty("value").GetDouble());
    }

    [Fact]
    public async Task A_killed_process_leaves_a_sound_database_with_the_readings_it_had_flushed()
    {
        var database = DashboardApp.NewDatabasePath();
        Directory.CreateDirectory(Path.GetDirectoryName(database)!);
        var topic = $"hist/{Guid.NewGuid():N}/counter";
        var start = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();
        long flushed;
        await using (var app = await AppProcess.StartAsync(database))
        {
            await using var publisher = await TestClient.ConnectAsync(new MqttClientOptionsBuilder()
                .WithTcpServer("127.0.0.1", app.MqttPort).WithClientId($"flood-{Guid.NewGuid():N}"[..16]).WithTimeout(TestClient.Patience).Build());
            using var stop = new CancellationTokenSource();
            // A flood that is still going when the process dies: each reading at its own millisecond, bounded in count.
            var flood = Task.Run(async () =>
            {
                for (var i = 0; i < 1_000_000 && !stop.IsCancellationRequested; i++)
                {
                    await publisher.PublishAsync(topic, $$"""{"n": {{i}}, "ts": {{start + i}}}""");
                }
            });

            await DashboardApp.WaitUntilAsync(() => File.Exists(database) && Scalar(database, "SELECT count(*) FROM Readings") >= 5000, "5000 readings to be flushed");
            flushed = Scalar(database, "SELECT count(*) FROM Readings");
            Assert.False(flood.IsCompleted, "the publisher should still be flooding when the process is killed");

            await app.KillAsync();
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<Exception>(() => flood);
        }

        using (var connection = new SqliteConnection($"Data Source={database};Pooling=False"))
        {
            connection.Open();
            using var check = connection.CreateCommand();
            check.CommandText = "PRAGMA integrity_check";
            Assert.Equal("ok", check.ExecuteScalar());
        }

        Assert.True(Scalar(database, "SELECT count(*) FROM Readings") >= flushed);
        Assert.Equal(0, Scalar(database, $"SELECT min(Time) - {start} FROM Readings"));

        await using var restarted = await DashboardApp.StartAsync(database);
        using var http = restarted.CreateHttpClient();
        var series = await http.GetFromJsonAsync<JsonElement>($"api/readings?topic={Q(topic)}&metric=n&maxPoints=10");
        Assert.True(series.GetProperty("points").EnumerateArray().Sum(p => p.GetProperty("count").GetInt64()) >= flushed);
    }

    [Fact]
    public async Task Retention_removes_raw_readings_past_their_time_while_the_rollups_keep_showing_them()
    {
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?>
        {
            ["History:RawRetention"] = "01:00:00",
            ["History:RetentionInterval"] = "00:00:01",
        });
        var topic = $"hist/{Guid.NewGuid():N}/temperature";
        var old = DateTimeOffset.UtcNow.AddHours(-2);
        await using var device = await TestClient.ConnectAsync(app);

        await device.PublishAsync(topic, $$"""{"temperature": 18.5, "ts": {{old.ToUnixTimeMilliseconds()}}}""");

        using var http = app.CreateHttpClient();
        JsonElement series = default;
        await DashboardApp.WaitUntilAsync(async () =>
        {
            using var response = await http.GetAsync($"api/readings?topic={Q(topic)}&from={Q(old.AddHours(-1).ToString("O"))}");
            if (!response.IsSuccessStatusCode)
            {
                return false;
            }

            series = await response.Content.ReadFromJsonAsync<JsonElement>();
            return series.GetProperty("points").GetArrayLength() == 1 && (await CsvRowsAsync(http, topic)).Length == 0;
        }, "the raw reading to expire while its rollup stays");

        Assert.Equal("minute", series.GetProperty("resolution").GetString());
        Assert.Equal(18.5, series.GetProperty("points")[0].GetProperty("max").GetDouble());
    }
}
