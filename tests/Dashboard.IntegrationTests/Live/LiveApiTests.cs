using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Accounts;
using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using MQTTnet;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.Live;

/// <summary>The live data as scripts see it: the HTTP API (docs/architecture.md) and the telemetry hub.</summary>
public sealed class LiveApiTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private DashboardApp App => fixture.App;

    private static string NewDevice() => "lab/api-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Devices_and_latest_readings_are_served_as_designed()
    {
        var device = NewDevice();
        await using var sensor = await TestClient.ConnectAsync(App, clientId: "api-sensor-" + device[^8..]);
        await sensor.PublishAsync($"{device}/status", "online", MqttQualityOfServiceLevel.AtLeastOnce);
        await sensor.PublishAsync($"{device}/temperature", "23.5°C", MqttQualityOfServiceLevel.AtLeastOnce);
        using var http = App.CreateHttpClient();

        var devices = await PollAsync(http, "api/devices", list => list.Any(d => d.GetProperty("id").GetString() == device && d.GetProperty("metrics").GetArrayLength() == 1));
        var found = devices.Single(d => d.GetProperty("id").GetString() == device);
        Assert.Equal("online", found.GetProperty("status").GetString());
        Assert.Equal("api-sensor-" + device[^8..], found.GetProperty("clientId").GetString());
        Assert.EndsWith("+00:00", found.GetProperty("lastSeen").GetString());
        var metric = found.GetProperty("metrics")[0];
        Assert.Equal(("temperature", 23.5, "°C"), (metric.GetProperty("metric").GetString(), metric.GetProperty("value").GetDouble(), metric.GetProperty("unit").GetString()));

        var latest = await PollAsync(http, "api/readings/latest", list => list.Any(r => r.GetProperty("topic").GetString() == $"{device}/temperature"));
        var reading = latest.Single(r => r.GetProperty("topic").GetString() == $"{device}/temperature");
        Assert.Equal(["topic", "metric", "deviceId", "value", "unit", "time"], reading.EnumerateObject().Select(p => p.Name));
        Assert.Equal(device, reading.GetProperty("deviceId").GetString());
    }

    [Fact]
    public async Task The_telemetry_hub_streams_readings_and_presence()
    {
        var device = NewDevice();
        var readings = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        var presence = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var hub = new HubConnectionBuilder().WithUrl(new Uri(App.HttpBase, "hubs/telemetry"), o => o.Headers[ApiKeys.Header] = App.AdminApiKey).Build();
        hub.On<JsonElement[]>("readings", batch =>
        {
            if (batch.FirstOrDefault(r => r.GetProperty("deviceId").GetString() == device) is { ValueKind: JsonValueKind.Object } mine)
            {
                readings.TrySetResult(mine);
            }
        });
        hub.On<JsonElement[]>("presence", batch =>
        {
            if (batch.FirstOrDefault(p => p.GetProperty("deviceId").GetString() == device && p.GetProperty("status").GetString() == "offline") is { ValueKind: JsonValueKind.Object } mine)
            {
                presence.TrySetResult(mine);
            }
        });
        await hub.StartAsync();
        await using var sensor = await TestClient.ConnectAsync(App);

        await sensor.PublishAsync($"{device}/humidity", "45 %");
        await sensor.PublishAsync($"{device}/status", "offline");

        var reading = await readings.Task.WaitAsync(TestClient.Patience);
        Assert.Equal(("humidity", 45, "%"), (reading.GetProperty("metric").GetString(), reading.GetProperty("value").GetDouble(), reading.GetProperty("unit").GetString()));
        Assert.Equal("offline", (await presence.Task.WaitAsync(TestClient.Patience)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Retained_status_and_values_restore_the_dashboard_after_a_restart()
    {
        var databasePath = DashboardApp.NewDatabasePath();
        var device = NewDevice();
        await using (var first = await DashboardApp.StartAsync(databasePath))
        {
            await using var sensor = await TestClient.ConnectAsync(first);
            await sensor.PublishAsync($"{device}/status", "online", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
            await sensor.PublishAsync($"{device}/temperature", "20.5", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
            await first.FlushBrokerStateAsync();
        }

        await using var second = await DashboardApp.StartAsync(databasePath);
        using var http = second.CreateHttpClient();

        var devices = await PollAsync(http, "api/devices", list => list.Any(d => d.GetProperty("id").GetString() == device && d.GetProperty("metrics").GetArrayLength() == 1));
        var found = devices.Single(d => d.GetProperty("id").GetString() == device);
        Assert.Equal("online", found.GetProperty("status").GetString());
        Assert.Equal(20.5, found.GetProperty("metrics")[0].GetProperty("value").GetDouble());
    }

    private static async Task<JsonElement[]> PollAsync(HttpClient http, string path, Func<JsonElement[], bool> done)
    {
        var deadline = DateTime.UtcNow + TestClient.Patience;
        while (true)
        {
            var list = await http.GetFromJsonAsync<JsonElement[]>(path) ?? [];
            if (done(list))
            {
                return list;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{path} never showed the published data: {JsonSerializer.Serialize(list)}");
            await Task.Delay(50);
        }
    }
}
