using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Protocol;
using static Dashboard.IntegrationTests.Infrastructure.DevicesApi;

namespace Dashboard.IntegrationTests.Devices;

/// <summary>A Zigbee2MQTT bridge as the dashboard's devices API shows it, with the topics and payloads zigbee2mqtt.io documents.</summary>
public sealed class Zigbee2MqttTests
{
    private const string BridgeDevices = """
        [{"ieee_address":"0x00158d00018255df","type":"EndDevice","supported":true,"friendly_name":"climate","definition":{"model":"WSDCGQ01LM","vendor":"Xiaomi",
           "exposes":[{"type":"numeric","name":"temperature","property":"temperature","unit":"°C","access":1},{"type":"numeric","name":"humidity","property":"humidity","unit":"%","access":1}]}},
         {"ieee_address":"0x90fd9ffffe6494fc","type":"Router","supported":true,"friendly_name":"living/lamp","definition":{"model":"LED1624G9","vendor":"IKEA",
           "exposes":[{"type":"light","features":[{"type":"binary","name":"state","property":"state","value_on":"ON","value_off":"OFF","access":7},
                                                  {"type":"numeric","name":"brightness","property":"brightness","value_min":0,"value_max":254,"access":7}]}]}},
         {"ieee_address":"0x00158d0001825500","type":"Router","supported":true,"friendly_name":"my_plug","definition":{"model":"ZNCZ02LM","vendor":"Xiaomi",
           "exposes":[{"type":"numeric","name":"power","property":"power","unit":"W","access":5},{"type":"numeric","name":"voltage","property":"voltage","unit":"V","access":5}]}}]
        """;

    private static readonly string[] Devices = ["zigbee2mqtt/bridge", "zigbee2mqtt/climate", "zigbee2mqtt/living/lamp", "zigbee2mqtt/my_plug"];

    [Fact]
    public async Task A_bridge_and_its_devices_show_with_units_and_presence_commands_are_no_readings_and_a_restart_gives_the_same_devices()
    {
        var databasePath = DashboardApp.NewDatabasePath();
        await using (var first = await DashboardApp.StartAsync(databasePath))
        {
            var bridge = await TestClient.ConnectAsync(TestClient.Options(first, "zigbee2mqtt-bridge")
                .WithWillTopic("zigbee2mqtt/bridge/state").WithWillPayload("""{"state":"offline"}""").WithWillRetain().Build());
            // Device states before the bridge's own topics: the order a retained replay may well have.
            await bridge.PublishAsync("zigbee2mqtt/living/lamp", """{"state":"ON","brightness":215,"linkquality":120}""", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
            await bridge.PublishAsync("zigbee2mqtt/climate", """{"temperature":21.3,"humidity":45,"battery":97,"linkquality":120}""", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
            await bridge.PublishAsync("zigbee2mqtt/bridge/state", """{"state":"online"}""", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
            await bridge.PublishAsync("zigbee2mqtt/bridge/devices", BridgeDevices, MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
            await bridge.PublishAsync("zigbee2mqtt/bridge/info", """{"version":"2.1.0","coordinator":{"ieee_address":"0x12345678","type":"zStack3x0"},"network":{"channel":15,"pan_id":5674},"permit_join":false}""", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
            await bridge.PublishAsync("zigbee2mqtt/living/lamp/availability", """{"state":"online"}""", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
            await bridge.PublishAsync("zigbee2mqtt/my_plug", """{"state":"ON","power":12.5,"voltage":230.1,"energy":1.23}""", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
            await using (var home = await TestClient.ConnectAsync(first))
            {
                await home.PublishAsync("zigbee2mqtt/living/lamp/set", """{"state":"OFF","brightness":10}""", MqttQualityOfServiceLevel.AtLeastOnce);
                await home.PublishAsync("zigbee2mqtt/living/lamp/set/brightness", "10", MqttQualityOfServiceLevel.AtLeastOnce);
                await home.PublishAsync("zigbee2mqtt/bridge/request/permit_join", """{"value":true,"time":20}""", MqttQualityOfServiceLevel.AtLeastOnce);
                await home.PublishAsync("zigbee2mqtt/climate/get", """{"temperature":""}""", MqttQualityOfServiceLevel.AtLeastOnce);
            }

            using var http = first.CreateHttpClient();
            var devices = await PollAsync(http, list => Device(list, "zigbee2mqtt/my_plug") is { } plug && Metrics(plug).Count == 4);

            Assert.Equal(Devices, Ids(devices, "zigbee2mqtt"));
            Assert.Equal(new()
            {
                ["temperature"] = (21.3, "°C"),
                ["humidity"] = (45, "%"),
                ["battery"] = (97, "%"),
                ["linkquality"] = (120, "lqi"),
            }, Metrics(Device(devices, "zigbee2mqtt/climate")!.Value));
            Assert.Equal(new() { ["state"] = (1, null), ["brightness"] = (215, null), ["linkquality"] = (120, "lqi") }, Metrics(Device(devices, "zigbee2mqtt/living/lamp")!.Value));
            Assert.Equal(new() { ["state"] = (1, null), ["power"] = (12.5, "W"), ["voltage"] = (230.1, "V"), ["energy"] = (1.23, "kWh") },
                Metrics(Device(devices, "zigbee2mqtt/my_plug")!.Value));
            Assert.Empty(Metrics(Device(devices, "zigbee2mqtt/bridge")!.Value));
            Assert.Equal(["online", "online", "online", "online"], Devices.Select(id => Status(devices, id)));

            bridge.Client.Dispose(); // the bridge's connection drops without DISCONNECT: its will says offline

            devices = await PollAsync(http, list => Status(list, "zigbee2mqtt/bridge") == "offline");
            Assert.Equal(Devices, Ids(devices, "zigbee2mqtt"));
            await first.FlushBrokerStateAsync();
        }

        await using var second = await DashboardApp.StartAsync(databasePath);
        using var again = second.CreateHttpClient();

        var restored = await PollAsync(again, list => Devices.All(id => Device(list, id) is { } d && (Metrics(d).Count > 0 || id.EndsWith("/bridge", StringComparison.Ordinal))));
        Assert.Equal(Devices, Ids(restored, "zigbee2mqtt"));
        Assert.Equal("offline", Status(restored, "zigbee2mqtt/bridge"));
        Assert.Equal((21.3, "°C"), Metrics(Device(restored, "zigbee2mqtt/climate")!.Value)["temperature"]);
        Assert.Equal(["brightness", "linkquality", "state"], Metrics(Device(restored, "zigbee2mqtt/living/lamp")!.Value).Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_configured_base_topic_is_read_as_a_bridge_and_the_default_one_then_is_not()
    {
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?> { ["Devices:Zigbee2MqttBaseTopics:0"] = "z2m-garage" });
        await using var bridge = await TestClient.ConnectAsync(app);
        await bridge.PublishAsync("z2m-garage/bridge/state", "online", MqttQualityOfServiceLevel.AtLeastOnce);
        await bridge.PublishAsync("z2m-garage/door", """{"contact":false,"battery":90,"voltage":3005}""", MqttQualityOfServiceLevel.AtLeastOnce);
        await bridge.PublishAsync("zigbee2mqtt/shed/temperature", "12.5", MqttQualityOfServiceLevel.AtLeastOnce);
        using var http = app.CreateHttpClient();

        var devices = await PollAsync(http, list => Device(list, "z2m-garage/door") is { } door && Metrics(door).Count == 3 && Device(list, "zigbee2mqtt/shed") is not null);

        Assert.Equal("online", Status(devices, "z2m-garage/bridge"));
        Assert.Equal(new() { ["contact"] = (0, null), ["battery"] = (90, "%"), ["voltage"] = (3005, "mV") }, Metrics(Device(devices, "z2m-garage/door")!.Value));
    }
}
