using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Protocol;
using static Dashboard.IntegrationTests.Infrastructure.DevicesApi;

namespace Dashboard.IntegrationTests.Devices;

/// <summary>Tasmota, ESPHome and Shelly devices publishing their documented topics, as <c>GET /api/devices</c> shows them.</summary>
public sealed class FirmwareConventionTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private const MqttQualityOfServiceLevel AtLeastOnce = MqttQualityOfServiceLevel.AtLeastOnce;

    private DashboardApp App => fixture.App;

    private static string NewName(string kind) => $"{kind}_{Guid.NewGuid():N}"[..(kind.Length + 9)];

    [Fact]
    public async Task A_tasmota_is_one_device_with_its_sensors_and_relay_and_its_will_takes_it_offline()
    {
        var topic = NewName("tasmota");
        var tasmota = await TestClient.ConnectAsync(TestClient.Options(App, clientId: "DVES_" + topic[^6..])
            .WithWillTopic($"tele/{topic}/LWT").WithWillPayload("Offline").WithWillRetain().WithWillQualityOfServiceLevel(AtLeastOnce).Build());
        await tasmota.PublishAsync($"tele/{topic}/LWT", "Online", AtLeastOnce, retain: true);
        await tasmota.PublishAsync($"cmnd/{topic}/POWER", "", AtLeastOnce);
        await tasmota.PublishAsync($"tele/{topic}/STATE", """{"Time":"2024-01-01T12:00:00","UptimeSec":310,"POWER":"ON","Wifi":{"AP":1,"RSSI":76,"Signal":-62}}""", AtLeastOnce);
        await tasmota.PublishAsync($"tele/{topic}/SENSOR", """{"Time":"2024-01-01T12:00:00","AM2301":{"Temperature":21.3,"Humidity":45.2},"TempUnit":"C"}""", AtLeastOnce);
        await tasmota.PublishAsync($"stat/{topic}/RESULT", """{"POWER":"ON"}""", AtLeastOnce);
        using var http = App.CreateHttpClient();

        var device = await DeviceAsync(http, topic, d => Metrics(d).ContainsKey("AM2301 Humidity") && Metrics(d).ContainsKey("Wifi Signal"));
        Assert.Equal("online", device.GetProperty("status").GetString());
        var metrics = Metrics(device);
        Assert.Equal((21.3, "°C"), metrics["AM2301 Temperature"]);
        Assert.Equal((45.2, "%"), metrics["AM2301 Humidity"]);
        Assert.Equal((1, null), metrics["POWER"]);
        Assert.Equal((76, "%"), metrics["Wifi RSSI"]);
        var ids = await DeviceIdsAsync(http);
        Assert.DoesNotContain(ids, id => id.Contains(topic, StringComparison.Ordinal) && id != topic); // no tele/…, stat/… or cmnd/… devices

        tasmota.Client.Dispose(); // the socket closes without DISCONNECT: the broker sends Tasmota's will

        await DeviceAsync(http, topic, d => d.GetProperty("status").GetString() == "offline");
    }

    [Fact]
    public async Task Esphome_nodes_and_shellies_of_both_generations_are_one_device_each_again_after_a_restart()
    {
        var databasePath = DashboardApp.NewDatabasePath();
        var (node, gen1, gen2) = (NewName("esphome"), "shellies/" + NewName("shellyht"), NewName("shellyplus1pm"));
        await using (var first = await DashboardApp.StartAsync(databasePath))
        {
            await using var devices = await TestClient.ConnectAsync(first);
            foreach (var (topic, payload) in new[]
            {
                ($"{node}/status", "online"), ($"{node}/sensor/outside_temperature/state", "21.50"), ($"{node}/switch/relay/state", "ON"),
                ($"{gen1}/online", "true"), ($"{gen1}/sensor/temperature", "19.75"), ($"{gen1}/sensor/humidity", "52"),
                ($"{gen2}/online", "true"), ($"{gen2}/status/switch:0", """{"id":0,"output":true,"apower":54.2,"voltage":233.4,"current":0.25,"aenergy":{"total":1234.5}}"""),
                ($"{gen2}/status/temperature:0", """{"id":0,"tC":21.3,"tF":70.3}"""),
            })
            {
                await devices.PublishAsync(topic, payload, AtLeastOnce, retain: true);
            }

            await devices.PublishAsync($"{node}/switch/relay/command", "OFF", AtLeastOnce);
            await devices.PublishAsync($"{gen2}/rpc", """{"id":1,"src":"user_1","method":"Switch.Set","params":{"id":0,"on":true}}""", AtLeastOnce);
            using var http = first.CreateHttpClient();
            await AssertDevicesAsync(http);
            await first.FlushBrokerStateAsync();
        }

        await using var second = await DashboardApp.StartAsync(databasePath);
        using var restarted = second.CreateHttpClient();
        await AssertDevicesAsync(restarted);

        async Task AssertDevicesAsync(HttpClient http)
        {
            var esphome = await DeviceAsync(http, node, d => Metrics(d).Count == 2 && d.GetProperty("status").GetString() == "online");
            Assert.Equal((21.5, null), Metrics(esphome)["outside_temperature"]);
            Assert.Equal((1, null), Metrics(esphome)["relay"]);

            var ht = await DeviceAsync(http, gen1, d => Metrics(d).Count == 2 && d.GetProperty("status").GetString() == "online");
            Assert.Equal((19.75, "°C"), Metrics(ht)["temperature"]);
            Assert.Equal((52, "%"), Metrics(ht)["humidity"]);

            var plus = await DeviceAsync(http, gen2, d => Metrics(d).Count == 7 && d.GetProperty("status").GetString() == "online");
            var metrics = Metrics(plus);
            Assert.Equal((54.2, "W"), metrics["switch 0 power"]);
            Assert.Equal((1234.5, "Wh"), metrics["switch 0 energy"]);
            Assert.Equal((21.3, "°C"), metrics["temperature"]);

            var ids = await DeviceIdsAsync(http);
            Assert.DoesNotContain(ids, id => id.StartsWith(node + "/", StringComparison.Ordinal) || id.StartsWith(gen1 + "/", StringComparison.Ordinal)
                || id.StartsWith(gen2 + "/", StringComparison.Ordinal));
        }
    }

    private static async Task<string[]> DeviceIdsAsync(HttpClient http) =>
        [.. (await http.GetFromJsonAsync<JsonElement[]>("api/devices") ?? []).Select(d => d.GetProperty("id").GetString()!)];

    private static async Task<JsonElement> DeviceAsync(HttpClient http, string id, Func<JsonElement, bool> done) =>
        Device(await PollAsync(http, list => Device(list, id) is { } device && done(device)), id)!.Value;
}
