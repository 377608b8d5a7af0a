using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dashboard.Accounts;
using Dashboard.IntegrationTests.Infrastructure;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using static Dashboard.IntegrationTests.Infrastructure.DevicesApi;

namespace Dashboard.IntegrationTests.Devices;

/// <summary>The device registry through the real app: settings, last seen and presence causes kept across a restart; forgetting; bad input.</summary>
public sealed class DeviceRegistryTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private DashboardApp App => fixture.App;

    private static string NewName(string kind) => $"{kind}{Guid.NewGuid():N}"[..(kind.Length + 8)];

    private static Task<(int ExitCode, string Output)> MosquittoPubAsync(DashboardApp app, params string[] arguments) =>
        ExternalProcess.RunAsync("mosquitto_pub", ["-h", "127.0.0.1", "-p", app.MqttPort.ToString(CultureInfo.InvariantCulture), .. arguments]);

    private static async Task<JsonElement> DetailAsync(HttpClient http, string id, Func<JsonElement, bool> done)
    {
        var deadline = DateTime.UtcNow + TestClient.Patience;
        while (true)
        {
            using var response = await http.GetAsync("api/devices/" + id);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            if (response.IsSuccessStatusCode && done(body))
            {
                return body;
            }

            Assert.True(DateTime.UtcNow < deadline, $"api/devices/{id} never showed it: {body}");
            await Task.Delay(100);
        }
    }

    private static IEnumerable<(string Status, string Cause, string Detail)> Changes(JsonElement detail) =>
        detail.GetProperty("presence").GetProperty("changes").EnumerateArray()
            .Select(c => (c.GetProperty("status").GetString()!, c.GetProperty("cause").GetString()!, c.GetProperty("detail").GetString()!));

    [Fact]
    public async Task Names_units_and_last_seen_and_a_will_s_cause_survive_a_restart()
    {
        var databasePath = DashboardApp.NewDatabasePath();
        var (bench, door) = ($"lab/{NewName("bench")}", $"lab/{NewName("door")}");
        DateTimeOffset lastSeen;
        await using (var first = await DashboardApp.StartAsync(databasePath))
        {
            using var http = first.CreateHttpClient();
            Assert.Equal(0, (await MosquittoPubAsync(first, "-t", $"{bench}/temperature", "-m", "21.5")).ExitCode);
            var seen = Device(await PollAsync(http, d => Device(d, bench) is not null), bench)!.Value;
            lastSeen = seen.GetProperty("lastSeen").GetDateTimeOffset();

            using var patched = await http.PatchAsJsonAsync("api/devices/" + bench, new
            {
                displayName = "Bench sensor",
                group = "Lab",
                metrics = new Dictionary<string, object> { ["temperature"] = new { displayName = "Air", unit = "°F" } },
            });
            var device = await patched.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
            Assert.Equal(("Bench sensor", "Lab"), (device.GetProperty("name").GetString(), device.GetProperty("group").GetString()));
            var metric = device.GetProperty("metrics")[0];
            Assert.Equal(("temperature", "Air", "°F"), (metric.GetProperty("metric").GetString(), metric.GetProperty("name").GetString(), metric.GetProperty("unit").GetString()));

            // A door sensor whose link dies: it stops sending anything, and the broker sends its will when the keep-alive runs out.
            await using var sensor = await RawMqttSocket.ConnectAsync(first.MqttPort);
            await sensor.SendAsync(new MqttConnectPacket
            {
                ClientId = NewName("door-"),
                CleanSession = true,
                KeepAlivePeriod = 1,
                WillFlag = true,
                WillTopic = $"{door}/status",
                WillMessage = Encoding.UTF8.GetBytes("offline"),
                WillRetain = true,
                WillQoS = MqttQualityOfServiceLevel.AtLeastOnce,
            });
            await sensor.SendAsync(RawPackets.Publish($"{door}/status", Encoding.UTF8.GetBytes("online"), retain: true));
            var offline = await DetailAsync(http, door, d => d.GetProperty("device").GetProperty("status").GetString() == "offline");
            var (status, cause, detail) = Changes(offline).First();
            Assert.Equal(("offline", "will"), (status, cause));
            Assert.Contains("keep-alive", detail);
            Assert.Contains(("online", "status-topic"), Changes(offline).Select(c => (c.Status, c.Cause)));
        }

        await using var second = await DashboardApp.StartAsync(databasePath);
        using var again = second.CreateHttpClient();
        var restored = Device(await PollAsync(again, d => Device(d, bench) is not null && Status(d, door) == "offline"), bench)!.Value;
        Assert.Equal(("Bench sensor", "Lab", "unknown"),
            (restored.GetProperty("name").GetString(), restored.GetProperty("group").GetString(), restored.GetProperty("status").GetString()));
        Assert.Equal(lastSeen, restored.GetProperty("lastSeen").GetDateTimeOffset(), TimeSpan.FromMilliseconds(1));

        var doorDetail = await DetailAsync(again, door, _ => true);
        Assert.Equal(("offline", "will"), Changes(doorDetail).Select(c => (c.Status, c.Cause)).First());

        Assert.Equal(0, (await MosquittoPubAsync(second, "-t", $"{bench}/temperature", "-m", "70.1")).ExitCode);
        var reading = Device(await PollAsync(again, d => Device(d, bench) is { } b && b.GetProperty("metrics").GetArrayLength() > 0), bench)!.Value
            .GetProperty("metrics")[0];
        Assert.Equal(("Air", "°F", 70.1), (reading.GetProperty("name").GetString(), reading.GetProperty("unit").GetString(), reading.GetProperty("value").GetDouble()));
    }

    [Fact]
    public async Task One_shot_publishers_of_a_status_and_a_reading_leave_the_status_topic_as_the_only_cause()
    {
        // The tutorials' way: mosquitto_pub a retained "online", then a reading, each from a client that connects and
        // leaves. The broker handles the two connections concurrently, so the reading may be seen first.
        var databasePath = DashboardApp.NewDatabasePath();
        var sensor = $"home/{NewName("sensor")}";
        await using (var first = await DashboardApp.StartAsync(databasePath))
        {
            using var http = first.CreateHttpClient();
            Assert.Equal(0, (await MosquittoPubAsync(first, "-t", $"{sensor}/status", "-m", "online", "-r")).ExitCode);
            Assert.Equal(0, (await MosquittoPubAsync(first, "-t", $"{sensor}/temperature", "-m", "21.5")).ExitCode);
            await DetailAsync(http, sensor, d => d.GetProperty("device").GetProperty("metrics").GetArrayLength() > 0
                && d.GetProperty("device").GetProperty("cause").GetString() == "status-topic");
        }

        // Stopping writes what is pending; the stored change is what the Presence card shows from now on.
        await using var second = await DashboardApp.StartAsync(databasePath);
        using var again = second.CreateHttpClient();
        var detail = await DetailAsync(again, sensor, _ => true);
        Assert.Equal([("online", "status-topic")], Changes(detail).Select(c => (c.Status, c.Cause)));
    }

    [Fact]
    public async Task Forgetting_a_device_with_its_history_and_retained_status_leaves_nothing_to_bring_it_back()
    {
        var databasePath = DashboardApp.NewDatabasePath();
        var id = $"test/{NewName("gone")}";
        await using (var first = await DashboardApp.StartAsync(databasePath))
        {
            using var http = first.CreateHttpClient();
            Assert.Equal(0, (await MosquittoPubAsync(first, "-t", $"{id}/status", "-m", "online", "-r", "-q", "1")).ExitCode);
            foreach (var value in new[] { "1", "2", "3" })
            {
                Assert.Equal(0, (await MosquittoPubAsync(first, "-t", $"{id}/temp", "-m", value)).ExitCode);
            }

            await DashboardApp.WaitUntilAsync(async () =>
            {
                using var response = await http.GetAsync($"api/readings?topic={id}/temp&metric=temp");
                return response.IsSuccessStatusCode
                    && (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("points").GetArrayLength() == 3;
            }, "three readings in history");

            using var forgotten = await http.DeleteAsync($"api/devices/{id}?history=true&retained=true");
            var result = await forgotten.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(HttpStatusCode.OK, forgotten.StatusCode);
            Assert.Equal((3, $"{id}/status"), (result.GetProperty("readingsDeleted").GetInt32(), result.GetProperty("retainedCleared").GetString()));

            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("api/devices/" + id)).StatusCode);
            Assert.Null(Device(await http.GetFromJsonAsync<JsonElement[]>("api/devices") ?? [], id));
            using var history = await http.GetAsync($"api/readings?topic={id}/temp&metric=temp");
            Assert.True(!history.IsSuccessStatusCode || (await history.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("points").GetArrayLength() == 0);

            var (_, retained) = await ExternalProcess.RunAsync("mosquitto_sub",
                ["-h", "127.0.0.1", "-p", first.MqttPort.ToString(CultureInfo.InvariantCulture), "-t", $"{id}/status", "-C", "1", "-W", "2"]);
            Assert.DoesNotContain("online", retained);
        }

        await using var second = await DashboardApp.StartAsync(databasePath);
        using var again = second.CreateHttpClient();
        Assert.Equal(HttpStatusCode.NotFound, (await again.GetAsync("api/devices/" + id)).StatusCode);
    }

    [Fact]
    public async Task Bad_settings_unknown_devices_and_viewers_are_refused_and_nothing_changes()
    {
        var id = $"lab/{NewName("probe")}";
        using var http = App.CreateHttpClient();
        Assert.Equal(0, (await MosquittoPubAsync(App, "-t", $"{id}/ph", "-m", "7.1")).ExitCode);
        await PollAsync(http, d => Device(d, id) is not null);

        using var invalid = await http.PatchAsJsonAsync("api/devices/" + Uri.EscapeDataString(id), new { displayName = "Probe", expectedEverySeconds = 0 });
        var problem = await invalid.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty("expectedEverySeconds", out _));

        using var unknown = await http.PatchAsJsonAsync("api/devices/lab/no-such-device", new { displayName = "x" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        using var viewer = App.CreateHttpClient(await App.CreateApiKeyAsync(DashboardRoles.Viewer, "viewer"));
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("api/devices/" + id)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PatchAsJsonAsync("api/devices/" + id, new { displayName = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.DeleteAsync("api/devices/" + id)).StatusCode);

        var device = Device(await http.GetFromJsonAsync<JsonElement[]>("api/devices") ?? [], id)!.Value;
        Assert.Equal(id, device.GetProperty("name").GetString());
    }
}
