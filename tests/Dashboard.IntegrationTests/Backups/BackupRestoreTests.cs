using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Accounts;
using Dashboard.Backups;
using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using static Dashboard.IntegrationTests.Infrastructure.DevicesApi;

namespace Dashboard.IntegrationTests.Backups;

/// <summary>
/// A backup downloaded from the running app and restored as the README says (stop, replace the file, remove -wal and
/// -shm, start): everything from before the snapshot is back, nothing from after it.
/// </summary>
public sealed class BackupRestoreTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private const string SensorPassword = "the sensor's password";

    private static string NewName(string kind) => $"{kind}{Guid.NewGuid():N}"[..(kind.Length + 8)];

    private static Task<(int ExitCode, string Output)> MosquittoPubAsync(DashboardApp app, params string[] arguments) =>
        ExternalProcess.RunAsync("mosquitto_pub", ["-h", "127.0.0.1", "-p", app.MqttPort.ToString(CultureInfo.InvariantCulture), .. arguments]);

    private static async Task<double[]> ReadingsAsync(HttpClient http, string topic, int atLeast)
    {
        double[] values = [];
        await DashboardApp.WaitUntilAsync(async () =>
        {
            using var response = await http.GetAsync($"api/readings?topic={Uri.EscapeDataString(topic)}");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return false;
            }

            var series = await response.Content.ReadFromJsonAsync<JsonElement>();
            values = [.. series.GetProperty("points").EnumerateArray().Select(p => p.GetProperty("value").GetDouble())];
            return values.Length >= atLeast;
        }, $"{atLeast} stored readings of {topic}");
        return values;
    }

    private static async Task<string> ApiKeyAsync(HttpClient http, string name)
    {
        using var response = await http.PostAsJsonAsync("api/api-keys", new { name, role = DashboardRoles.Viewer });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;
    }

    private static async Task<List<string>> NamesAsync(HttpClient http, string route, string property) =>
        [.. (await http.GetFromJsonAsync<JsonElement[]>(route))!.Select(e => e.GetProperty(property).GetString()!)];

    [Fact]
    public async Task A_restored_snapshot_brings_back_everything_from_before_it_and_nothing_from_after()
    {
        var databasePath = DashboardApp.NewDatabasePath();
        var (device, sensor, account) = ($"backup/{NewName("bench")}", NewName("sensor"), NewName("viewer"));
        var topic = $"{device}/temperature";
        byte[] snapshot;
        string keptKey, laterKey;
        await using (var first = await DashboardApp.StartAsync(databasePath))
        {
            using var http = first.CreateHttpClient();
            Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("api/broker-users", new { name = sensor, password = SensorPassword })).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("api/alert-rules", new { name = "Too warm", filter = $"{device}/#", @operator = ">", threshold = 30 })).StatusCode);
            keptKey = await ApiKeyAsync(http, "kept");
            await first.CreateAccountAsync(account, "a viewer's long password", DashboardRoles.Viewer);
            foreach (var value in new[] { "21.5", "22.5" })
            {
                Assert.Equal(0, (await MosquittoPubAsync(first, "-u", sensor, "-P", SensorPassword, "-q", "1", "-t", topic, "-m", value)).ExitCode);
            }

            Assert.Equal(new[] { 21.5, 22.5 }, await ReadingsAsync(http, topic, 2));
            Assert.Equal(HttpStatusCode.OK, (await http.PatchAsJsonAsync("api/devices/" + device, new { displayName = "Bench, before" })).StatusCode);

            using (var download = await http.GetAsync("api/backup"))
            {
                Assert.Equal(HttpStatusCode.OK, download.StatusCode);
                Assert.Equal("application/vnd.sqlite3", download.Content.Headers.ContentType?.MediaType);
                Assert.Matches(@"^dashboard-\d{8}T\d{6}Z\.db$", download.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
                snapshot = await download.Content.ReadAsByteArrayAsync();
            }

            // The app keeps going after the snapshot.
            Assert.Equal(0, (await MosquittoPubAsync(first, "-q", "1", "-t", topic, "-m", "99.5")).ExitCode);
            Assert.Equal(new[] { 21.5, 22.5, 99.5 }, await ReadingsAsync(http, topic, 3));
            Assert.Equal(HttpStatusCode.OK, (await http.PatchAsJsonAsync("api/devices/" + device, new { displayName = "Bench, after" })).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("api/broker-users", new { name = "later-" + sensor, password = SensorPassword })).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("api/alert-rules", new { name = "Later rule", filter = "#", @operator = ">", threshold = 1000 })).StatusCode);
            laterKey = await ApiKeyAsync(http, "later");

            // The download's temporary file is gone once sent.
            Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(databasePath)!, "backup-*.db.tmp"));
        }

        // The README's restore. A stopped process has closed its connections; the in-process app leaves them pooled.
        SqliteConnection.ClearAllPools();
        Assert.True(snapshot.Length > 0 && File.Exists(databasePath));
        await File.WriteAllBytesAsync(databasePath, snapshot);
        File.Delete(databasePath + "-wal");
        File.Delete(databasePath + "-shm");

        await using var second = await DashboardApp.StartAsync(databasePath);
        using var again = second.CreateHttpClient();
        Assert.Equal(new[] { 21.5, 22.5 }, await ReadingsAsync(again, topic, 2));
        var restored = Device(await PollAsync(again, d => Device(d, device) is not null), device)!.Value;
        Assert.Equal("Bench, before", restored.GetProperty("name").GetString());

        var brokerUsers = await NamesAsync(again, "api/broker-users", "name");
        Assert.Contains(sensor, brokerUsers);
        Assert.DoesNotContain("later-" + sensor, brokerUsers);
        Assert.Equal(0, (await MosquittoPubAsync(second, "-u", sensor, "-P", SensorPassword, "-t", topic, "-m", "23.5")).ExitCode);
        Assert.NotEqual(0, (await MosquittoPubAsync(second, "-u", sensor, "-P", "not the password", "-t", topic, "-m", "0")).ExitCode);

        var rules = await NamesAsync(again, "api/alert-rules", "name");
        Assert.Contains("Too warm", rules);
        Assert.DoesNotContain("Later rule", rules);

        using var kept = second.CreateHttpClient(keptKey);
        using var later = second.CreateHttpClient(laterKey);
        Assert.Equal(HttpStatusCode.OK, (await kept.GetAsync("api/devices")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await later.GetAsync("api/devices")).StatusCode);

        await using var scope = second.Services.CreateAsyncScope();
        var accounts = await scope.ServiceProvider.GetRequiredService<DashboardAccounts>().ListAsync();
        Assert.Contains(accounts, a => a.UserName == account && a.Role == DashboardRoles.Viewer);
    }

    [Fact]
    public async Task The_running_app_writes_snapshots_on_schedule_and_keeps_the_newest()
    {
        var folder = Path.Combine(Path.GetTempPath(), "dashboard-tests", $"backups-{Guid.NewGuid():N}");
        var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Backups:Folder"] = folder,
            ["Backups:Interval"] = "00:00:01",
            ["Backups:Keep"] = "2",
        });
        try
        {
            var status = app.Services.GetRequiredService<BackupStatus>();
            var seen = new HashSet<string>();
            await DashboardApp.WaitUntilAsync(() =>
            {
                seen.UnionWith(Directory.Exists(folder) ? Directory.GetFiles(folder, "dashboard-*.db") : []);
                return seen.Count >= 4;
            }, "four scheduled snapshots");
            await DashboardApp.WaitUntilAsync(() => Directory.GetFiles(folder).Length == 2, "the oldest snapshots to be deleted");

            Assert.Null(status.LastFailure);
            Assert.StartsWith("dashboard-", status.LastSnapshotFile);
        }
        finally
        {
            await app.DisposeAsync();
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Only_admins_may_download_a_backup()
    {
        using var viewer = fixture.App.CreateHttpClient(await fixture.App.CreateApiKeyAsync(DashboardRoles.Viewer, "viewer"));
        using var stranger = fixture.App.CreateHttpClient(null);

        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync("api/backup")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await stranger.GetAsync("api/backup")).StatusCode);
    }
}
