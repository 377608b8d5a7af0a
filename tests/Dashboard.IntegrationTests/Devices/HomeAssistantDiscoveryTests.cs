using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Protocol;
using static Dashboard.IntegrationTests.Infrastructure.DevicesApi;

namespace Dashboard.IntegrationTests.Devices;

/// <summary>
/// Home Assistant MQTT discovery through the real app: retained configs as Home Assistant's documentation publishes them,
/// then states, availability and commands over real TCP, as <c>GET /api/devices</c> shows them.
/// </summary>
public sealed class HomeAssistantDiscoveryTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private DashboardApp App => fixture.App;

    private static string NewId() => Guid.NewGuid().ToString("N")[..8];

    /// <summary>The docs' two sensors sharing one JSON state topic, with an availability topic, on one device.</summary>
    private static async Task PublishBedroomConfigsAsync(TestClient client, string id)
    {
        var device = $$"""{"identifiers":["bedroom{{id}}"],"name":"Bedroom {{id}}","manufacturer":"Example","model":"TH-1"}""";
        await client.PublishAsync($"homeassistant/sensor/bedroomT{id}/config",
            $$$"""{"device_class":"temperature","name":"Temperature","state_topic":"home/bedroom{{{id}}}/state","unit_of_measurement":"°C","value_template":"{{ value_json.temperature}}","unique_id":"temp{{{id}}}","availability_topic":"home/bedroom{{{id}}}/availability","device":{{{device}}}}""",
            MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
        await client.PublishAsync($"homeassistant/sensor/bedroomH{id}/config",
            $$$"""{"dev_cla":"humidity","name":"Humidity","stat_t":"home/bedroom{{{id}}}/state","unit_of_meas":"%","val_tpl":"{{ value_json.humidity}}","uniq_id":"hum{{{id}}}","avty_t":"home/bedroom{{{id}}}/availability","dev":{{{device}}}}""",
            MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
    }

    [Fact]
    public async Task Discovered_devices_show_with_named_metrics_units_presence_and_commands_that_are_not_readings()
    {
        var id = NewId();
        await using var configurator = await TestClient.ConnectAsync(App);
        await PublishBedroomConfigsAsync(configurator, id);
        await configurator.PublishAsync($"homeassistant/switch/irrigation{id}/config",
            $$"""{"~": "homeassistant/switch/irrigation{{id}}", "name": "garden", "cmd_t": "~/set", "stat_t": "~/state"}""",
            MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
        var availability = $"home/bedroom{id}/availability";
        var sensor = await TestClient.ConnectAsync(TestClient.Options(App).WithWillTopic(availability).WithWillPayload("offline").WithWillRetain().Build());
        await sensor.PublishAsync(availability, "online", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
        await sensor.PublishAsync($"home/bedroom{id}/state", """{ "temperature": 23.20, "humidity": 43.70 }""", MqttQualityOfServiceLevel.AtLeastOnce);
        await configurator.PublishAsync($"homeassistant/switch/irrigation{id}/set", "ON", MqttQualityOfServiceLevel.AtLeastOnce);
        await configurator.PublishAsync($"homeassistant/switch/irrigation{id}/state", "ON", MqttQualityOfServiceLevel.AtLeastOnce);
        using var http = App.CreateHttpClient();

        var devices = await PollAsync(http, list => Metrics(list, $"Bedroom {id}").Length == 2 && Metrics(list, $"irrigation{id}").Length == 1);
        Assert.Equal("online", Device(devices, $"Bedroom {id}").GetProperty("status").GetString());
        Assert.Equal([("Humidity", 43.7, "%"), ("Temperature", 23.2, "°C")], Metrics(devices, $"Bedroom {id}"));
        Assert.Equal([("garden", 1, null)], Metrics(devices, $"irrigation{id}")); // the state, not the command
        Assert.DoesNotContain(devices, d => d.GetProperty("id").GetString()!.StartsWith("homeassistant/", StringComparison.Ordinal)
            && d.GetProperty("id").GetString()!.Contains(id, StringComparison.Ordinal)); // the configs' numbers are no readings

        sensor.Client.Dispose(); // the socket closes without DISCONNECT: the will says offline on the availability topic
        devices = await PollAsync(http, list => Device(list, $"Bedroom {id}").GetProperty("status").GetString() == "offline");
        Assert.Equal(2, Metrics(devices, $"Bedroom {id}").Length);
    }

    [Fact]
    public async Task A_restart_keeps_the_discovered_device_its_values_and_its_availability()
    {
        var databasePath = DashboardApp.NewDatabasePath();
        var id = NewId();
        await using (var first = await DashboardApp.StartAsync(databasePath))
        {
            await using var client = await TestClient.ConnectAsync(first);
            await PublishBedroomConfigsAsync(client, id);
            await client.PublishAsync($"home/bedroom{id}/state", """{ "temperature": 19.5, "humidity": 51 }""", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
            await client.PublishAsync($"home/bedroom{id}/availability", "offline", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
            await first.FlushBrokerStateAsync();
        }

        await using var second = await DashboardApp.StartAsync(databasePath);
        using var http = second.CreateHttpClient();

        var devices = await PollAsync(http, list => Metrics(list, $"Bedroom {id}").Length == 2);
        Assert.Equal([("Humidity", 51, "%"), ("Temperature", 19.5, "°C")], Metrics(devices, $"Bedroom {id}"));
        Assert.Equal("offline", Device(devices, $"Bedroom {id}").GetProperty("status").GetString());
        Assert.Single(devices); // the configs made no device of their own
    }

    [Fact]
    public async Task A_retained_state_published_before_its_config_is_on_the_discovered_device_after_a_restart_with_no_phantom()
    {
        var databasePath = DashboardApp.NewDatabasePath();
        var id = NewId();
        await using (var first = await DashboardApp.StartAsync(databasePath))
        {
            await using var client = await TestClient.ConnectAsync(first);
            // The store gives these back in topic order, so home/… comes before homeassistant/… unless configs go first.
            await client.PublishAsync($"home/bedroom{id}/state", """{ "temperature": 18.5, "humidity": 60 }""", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
            await client.PublishAsync($"home/bedroom{id}/availability", "online", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
            await PublishBedroomConfigsAsync(client, id);
            using var live = first.CreateHttpClient();
            // Without a restart too, the config takes the topics from the device the generic rules made of them.
            var claimed = await PollAsync(live, list => list.Any(d => d.GetProperty("id").GetString() == $"Bedroom {id}")
                && !list.Any(d => d.GetProperty("id").GetString()!.StartsWith("home/bedroom", StringComparison.Ordinal)));
            Assert.Equal("online", Device(claimed, $"Bedroom {id}").GetProperty("status").GetString());
            await client.PublishAsync($"home/bedroom{id}/state", """{ "temperature": 18.5, "humidity": 60 }""", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
            Assert.Equal([("Humidity", 60, "%"), ("Temperature", 18.5, "°C")],
                Metrics(await PollAsync(live, list => Metrics(list, $"Bedroom {id}").Length == 2), $"Bedroom {id}"));
            await first.FlushBrokerStateAsync();
        }

        await using var second = await DashboardApp.StartAsync(databasePath);
        using var http = second.CreateHttpClient();

        var devices = await PollAsync(http, list => Metrics(list, $"Bedroom {id}").Length == 2);
        Assert.Equal([("Humidity", 60, "%"), ("Temperature", 18.5, "°C")], Metrics(devices, $"Bedroom {id}"));
        Assert.Equal("online", Device(devices, $"Bedroom {id}").GetProperty("status").GetString());
        Assert.Single(devices); // no device home/bedroom… made of the state or the availability
    }

    private static JsonElement Device(JsonElement[] devices, string id) => devices.Single(d => d.GetProperty("id").GetString() == id);

    private static (string?, double, string?)[] Metrics(JsonElement[] devices, string id) =>
        [.. devices.Where(d => d.GetProperty("id").GetString() == id)
            .SelectMany(d => d.GetProperty("metrics").EnumerateArray())
            .Select(m => (m.GetProperty("metric").GetString(), m.GetProperty("value").GetDouble(), m.GetProperty("unit").GetString()))
            .OrderBy(m => m.Item1, StringComparer.Ordinal)];
}
