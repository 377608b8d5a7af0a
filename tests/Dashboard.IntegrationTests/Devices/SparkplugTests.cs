using System.Buffers;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Protocol;
using static Dashboard.IntegrationTests.Infrastructure.DevicesApi;
using static Dashboard.Tests.Devices.Conventions.SparkplugPayloads;
using DataType = Dashboard.Tests.Devices.Conventions.SparkplugType;

namespace Dashboard.IntegrationTests.Devices;

/// <summary>
/// A Sparkplug B edge node and its device as the dashboard's devices API shows them, with the topics, payloads and session
/// the Sparkplug 3.0 specification documents: the NDEATH is the edge node's Last Will, carrying the bdSeq of its NBIRTH.
/// </summary>
public sealed class SparkplugTests
{
    private const string Group = "Sparkplug B Devices";
    private const string Node = "Sparkplug B Devices/Raspberry Pi";
    private const string Pibrella = "Sparkplug B Devices/Raspberry Pi/Pibrella";

    [Fact]
    public async Task An_edge_node_and_its_device_show_their_named_metrics_with_units_and_go_offline_when_the_node_dies()
    {
        var databasePath = DashboardApp.NewDatabasePath();
        var now = (ulong)DateTimeOffset.UtcNow.AddSeconds(-5).ToUnixTimeMilliseconds();
        await using (var first = await DashboardApp.StartAsync(databasePath))
        {
            var edge = await ConnectEdgeNodeAsync(first, bdSeq: 0, now);
            await PublishAsync(edge, $"spBv1.0/{Group}/NBIRTH/Raspberry Pi", Payload(now, 0,
                new Metric("bdSeq", 1, DataType.Int64, 0),
                new Metric("Node Control/Rebirth", 2, DataType.Boolean, false),
                new Metric("Properties/Hardware Make", 3, DataType.String, "Raspberry Pi"),
                new Metric("Supply Voltage", 4, DataType.Float, 12.1f, EngUnit: "V")));
            await PublishAsync(edge, $"spBv1.0/{Group}/DBIRTH/Raspberry Pi/Pibrella", Payload(now, 1,
                new Metric("Inputs/A", 5, DataType.Boolean, false),
                new Metric("Outputs/LEDs/Green", 6, DataType.Boolean, false),
                new Metric("Properties/Hardware Make", 7, DataType.String, "Pibrella"),
                new Metric("Temperature", 8, DataType.Double, 21.5, EngUnit: "degC")));
            await PublishAsync(edge, $"spBv1.0/{Group}/DDATA/Raspberry Pi/Pibrella", Payload(now + 1000, 2,
                new Metric(null, 5, DataType.Boolean, true), new Metric(null, 8, DataType.Double, 22.25)));
            await PublishAsync(edge, $"spBv1.0/{Group}/NDATA/Raspberry Pi", Payload(now + 1000, 3, new Metric(null, 4, DataType.Float, 12.3f)));
            await using (var host = await TestClient.ConnectAsync(first, "scada-host"))
            {
                await host.PublishAsync("spBv1.0/STATE/scada-host", """{"online":true,"timestamp":1668114759262}""", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
                await PublishAsync(host, $"spBv1.0/{Group}/DCMD/Raspberry Pi/Pibrella", Payload(now, null, new Metric("Outputs/LEDs/Green", null, DataType.Boolean, true)));
            }

            using var http = first.CreateHttpClient();
            var devices = await PollAsync(http, list =>
                Status(list, Node) == "online" && Status(list, Pibrella) == "online"
                && Metrics(list, Pibrella).GetValueOrDefault("Temperature").Value == 22.25
                && Metrics(list, Node).GetValueOrDefault("Supply Voltage").Value is > 12.2);

            Assert.Equal([Node, Pibrella], Ids(devices, Group));
            Assert.Equal(new()
            {
                ["Inputs/A"] = (1, null),
                ["Outputs/LEDs/Green"] = (0, null),
                ["Temperature"] = (22.25, "°C"),
            }, Metrics(devices, Pibrella));
            Assert.Equal(new() { ["Supply Voltage"] = (12.3, "V") }, Metrics(devices, Node));

            await using var observer = await TestClient.ConnectAsync(first, "observer");
            await observer.SubscribeAsync("spBv1.0/+/NDEATH/#", MqttQualityOfServiceLevel.AtLeastOnce);
            edge.Client.Dispose(); // the edge node drops off the network: the broker publishes its NDEATH
            await observer.NextOnAsync($"spBv1.0/{Group}/NDEATH/Raspberry Pi");

            devices = await PollAsync(http, list => Status(list, Node) == "offline" && Status(list, Pibrella) == "offline");
            Assert.Equal([Node, Pibrella], Ids(devices, Group));
            await first.FlushBrokerStateAsync();
        }

        await using var second = await DashboardApp.StartAsync(databasePath);
        using var again = second.CreateHttpClient();

        // The registry keeps the devices; Sparkplug retains nothing but the host's STATE (not telemetry), so their presence
        // is unknown and their values come back at the next birth.
        var known = await PollAsync(again, _ => true);
        Assert.Equal([Node, Pibrella], Ids(known, Group));
        Assert.Equal(("unknown", "unknown"), (Status(known, Node), Status(known, Pibrella)));
        Assert.Empty(Metrics(known, Pibrella));
        var reborn = await ConnectEdgeNodeAsync(second, bdSeq: 1, now);
        await PublishAsync(reborn, $"spBv1.0/{Group}/NBIRTH/Raspberry Pi", Payload(now + 2000, 0,
            new Metric("bdSeq", 1, DataType.Int64, 1), new Metric("Supply Voltage", 4, DataType.Float, 12.2f, EngUnit: "V")));
        await PublishAsync(reborn, $"spBv1.0/{Group}/DBIRTH/Raspberry Pi/Pibrella", Payload(now + 2000, 1,
            new Metric("Temperature", 8, DataType.Double, 23.0, EngUnit: "degC")));

        var restored = await PollAsync(again, list => Status(list, Node) == "online" && Status(list, Pibrella) == "online"
            && Metrics(list, Pibrella).Count == 1);
        Assert.Equal([Node, Pibrella], Ids(restored, Group));
        Assert.Equal((23.0, "°C"), Metrics(restored, Pibrella)["Temperature"]);
        Assert.Equal((12.2, "V"), Metrics(restored, Node)["Supply Voltage"]);

        // The will of the earlier session (bdSeq 0), delivered late, does not take the reborn node (bdSeq 1) offline.
        await using (var late = await TestClient.ConnectAsync(second, "late-will"))
        {
            await PublishAsync(late, $"spBv1.0/{Group}/NDEATH/Raspberry Pi", Payload(now, null, new Metric("bdSeq", null, DataType.Int64, 0)),
                MqttQualityOfServiceLevel.AtLeastOnce); // as a will is sent
        }

        await PublishAsync(reborn, $"spBv1.0/{Group}/NDATA/Raspberry Pi", Payload(now + 3000, 2, new Metric(null, 4, DataType.Float, 12.4f)));
        var after = await PollAsync(again, list => Metrics(list, Node)["Supply Voltage"].Value > 12.3);
        Assert.Equal("online", Status(after, Node));
        await reborn.DisconnectAsync();
    }

    // As an edge node connects (Operational Behavior, "Edge Node Session Establishment"): its Will is the NDEATH with the
    // bdSeq its NBIRTH will carry, QoS 1, not retained.
    private static Task<TestClient> ConnectEdgeNodeAsync(DashboardApp app, ulong bdSeq, ulong now) =>
        TestClient.ConnectAsync(TestClient.Options(app, "raspberry-pi").WithKeepAlivePeriod(TimeSpan.FromSeconds(60))
            .WithWillTopic($"spBv1.0/{Group}/NDEATH/Raspberry Pi")
            .WithWillPayload(Payload(now, null, new Metric("bdSeq", null, DataType.Int64, bdSeq)))
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());

    // Births and data go at QoS 0, not retained (Payloads, "NBIRTH" … "DDATA").
    private static async Task PublishAsync(TestClient client, string topic, byte[] payload,
        MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtMostOnce)
    {
        using var timeout = new CancellationTokenSource(TestClient.Patience);
        await client.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
            .WithQualityOfServiceLevel(qos).Build(), timeout.Token);
    }

    // A metric's birth and its data come on two topics but are one series (of the DATA topic): listed once, or this throws.
    private static Dictionary<string, (double Value, string? Unit)> Metrics(JsonElement[] devices, string id) =>
        Device(devices, id) is { } device
            ? device.GetProperty("metrics").EnumerateArray().ToDictionary(m => m.GetProperty("metric").GetString()!,
                m => (Math.Round(m.GetProperty("value").GetDouble(), 4), m.GetProperty("unit").GetString()))
            : [];

    [Fact]
    public async Task Data_from_a_node_whose_birth_was_missed_gets_a_rebirth_request_and_the_rebirth_names_one_series_per_metric()
    {
        await using var app = await DashboardApp.StartAsync();
        var now = (ulong)DateTimeOffset.UtcNow.AddSeconds(-5).ToUnixTimeMilliseconds();
        // An edge node that was running before the dashboard: it listens for its commands and sends DATA by alias only.
        await using var edge = await ConnectEdgeNodeAsync(app, bdSeq: 3, now);
        await edge.SubscribeAsync($"spBv1.0/{Group}/NCMD/Raspberry Pi");
        await PublishAsync(edge, $"spBv1.0/{Group}/DDATA/Raspberry Pi/Pibrella", Payload(now, 7, new Metric(null, 8, DataType.Double, 22.5)));

        var command = await edge.NextOnAsync($"spBv1.0/{Group}/NCMD/Raspberry Pi");
        Assert.Equal([("Node Control/Rebirth", 11u, true)], CommandMetrics(command.Payload.ToArray()));

        // As the specification asks of an edge node: NBIRTH (new session, same bdSeq as its will), then every DBIRTH.
        await PublishAsync(edge, $"spBv1.0/{Group}/NBIRTH/Raspberry Pi", Payload(now + 1000, 0,
            new Metric("bdSeq", 1, DataType.Int64, 3), new Metric("Node Control/Rebirth", 2, DataType.Boolean, false),
            new Metric("Supply Voltage", 4, DataType.Float, 12.1f, EngUnit: "V")));
        await PublishAsync(edge, $"spBv1.0/{Group}/DBIRTH/Raspberry Pi/Pibrella", Payload(now + 1000, 1,
            new Metric("Temperature", 8, DataType.Double, 22.5, EngUnit: "degC")));
        await PublishAsync(edge, $"spBv1.0/{Group}/DDATA/Raspberry Pi/Pibrella", Payload(now + 2000, 2, new Metric(null, 8, DataType.Double, 23.5)));
        await PublishAsync(edge, $"spBv1.0/{Group}/NDATA/Raspberry Pi", Payload(now + 2000, 3, new Metric(null, 4, DataType.Float, 12.4f)));

        using var http = app.CreateHttpClient();
        var devices = await PollAsync(http, list => Metrics(list, Pibrella).GetValueOrDefault("Temperature").Value == 23.5
            && Metrics(list, Node).GetValueOrDefault("Supply Voltage").Value == 12.4);
        Assert.Equal((23.5, "°C"), Metrics(devices, Pibrella)["Temperature"]);
        Assert.Equal($"spBv1.0/{Group}/DDATA/Raspberry Pi/Pibrella",
            Device(devices, Pibrella)!.Value.GetProperty("metrics")[0].GetProperty("topic").GetString());

        // History keeps the birth's value and the data's in that one series.
        var topic = Uri.EscapeDataString($"spBv1.0/{Group}/DDATA/Raspberry Pi/Pibrella");
        var deadline = DateTime.UtcNow + TestClient.Patience;
        JsonElement series = default;
        do
        {
            await Task.Delay(100);
            using var response = await http.GetAsync($"api/readings?topic={topic}&metric=Temperature"); // 404 until the first write
            if (response.IsSuccessStatusCode)
            {
                series = await response.Content.ReadFromJsonAsync<JsonElement>();
            }
        }
        while ((series.ValueKind != JsonValueKind.Object || series.GetProperty("points").GetArrayLength() < 2) && DateTime.UtcNow < deadline);
        Assert.Equal([22.5, 23.5], series.GetProperty("points").EnumerateArray().Select(p => p.GetProperty("value").GetDouble()));
    }

    /// <summary>An NCMD's metrics as an edge node decodes them (sparkplug_b.proto: Payload.metrics 2; Metric name 1, datatype 4, boolean_value 14).</summary>
    private static List<(string?, uint, bool)> CommandMetrics(byte[] payload)
    {
        List<(string?, uint, bool)> metrics = [];
        var input = new Google.Protobuf.CodedInputStream(payload);
        for (var tag = input.ReadTag(); tag != 0; tag = input.ReadTag())
        {
            if (Google.Protobuf.WireFormat.GetTagFieldNumber(tag) != 2)
            {
                input.SkipLastField();
                continue;
            }

            var metric = new Google.Protobuf.CodedInputStream(input.ReadBytes().ToByteArray());
            (string? name, uint type, bool value) = (null, 0, false);
            for (var field = metric.ReadTag(); field != 0; field = metric.ReadTag())
            {
                switch (Google.Protobuf.WireFormat.GetTagFieldNumber(field))
                {
                    case 1: name = metric.ReadString(); break;
                    case 4: type = metric.ReadUInt32(); break;
                    case 14: value = metric.ReadBool(); break;
                    default: metric.SkipLastField(); break;
                }
            }

            metrics.Add((name, type, value));
        }

        return metrics;
    }
}
