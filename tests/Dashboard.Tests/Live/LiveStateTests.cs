using Dashboard.Broker.Events;
using Dashboard.Devices;
using Dashboard.Devices.Conventions;
using Dashboard.Ingestion;
using Dashboard.Live;
using Dashboard.Readings;
using Dashboard.Tests.Devices.Conventions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MQTTnet.Protocol;

namespace Dashboard.Tests.Live;

public sealed class LiveStateTests
{
    [Fact]
    public void A_status_topic_sets_the_presence_of_the_device_it_names()
    {
        using var live = new LiveFixture();

        live.Publish("home/sensor1/status", "online", "esp32-1");
        Assert.Equal(DeviceStatus.Online, live.Device("home/sensor1").Status);
        Assert.Equal("status topic home/sensor1/status", live.Device("home/sensor1").StatusSource);

        live.Publish("home/sensor1/status", "OFFLINE", "esp32-1");
        Assert.Equal(DeviceStatus.Offline, live.Device("home/sensor1").Status);
        Assert.Equal(live.Clock, live.Device("home/sensor1").LastStatusChange);
    }

    [Fact]
    public void Readings_belong_to_the_device_ingestion_resolved_for_them()
    {
        using var live = new LiveFixture();
        var e = new BrokerEvent(BrokerEventKind.MessagePublished, live.Clock, "", "lab/bench/voltage", "3.3 V"u8.ToArray(),
            MqttQualityOfServiceLevel.AtMostOnce, false, null);

        live.State.Handle(new IngestedEvent(e, null, PayloadParser.Parse(e.Topic!, e.Payload.Span, e.Time), "bench-7"));

        Assert.Equal("voltage", Assert.Single(live.Device("bench-7").Metrics).Metric);
        Assert.Equal("bench-7", live.State.Topic("lab/bench/voltage")!.Summary.DeviceId);
        Assert.Equal("bench-7", Assert.Single(live.State.Latest()).DeviceId);
    }

    [Fact]
    public void A_series_moves_to_the_device_its_readings_belong_to_now()
    {
        using var live = new LiveFixture();
        live.Publish("sensors/data", """{"sensor_id": "greenhouse-2", "temperature": 21}""");
        Assert.Equal("temperature", Assert.Single(live.Device("greenhouse-2").Metrics).Metric);

        live.Publish("sensors/status", "online"); // from now on, device "sensors" has its sibling topics
        live.Publish("sensors/data", """{"sensor_id": "greenhouse-2", "temperature": 22}""");

        Assert.Null(live.State.Device("greenhouse-2")); // nothing was left of it: it was never a device
        var metric = Assert.Single(live.Device("sensors").Metrics);
        Assert.Equal(("sensors/data", 22.0), (metric.Topic, metric.Value));
        Assert.Equal("sensors", Assert.Single(live.State.Latest()).DeviceId);
    }

    [Fact]
    public void A_device_whose_client_drops_without_a_will_is_offline_with_its_client_and_address()
    {
        using var live = new LiveFixture();
        live.Connect("pump-7");
        live.Publish("plant/pump7/pressure", "2.4 bar", "pump-7");
        Assert.Equal(DeviceStatus.Online, live.Device("plant/pump7").Status);

        live.Clock = live.Clock.AddMinutes(5); // a device's own, long-lived connection
        live.Disconnect("pump-7", graceful: false);

        var device = live.Device("plant/pump7");
        Assert.Equal(DeviceStatus.Offline, device.Status);
        Assert.Equal(PresenceCause.ConnectionLost, device.Cause);
        Assert.Contains("lost its connection", device.StatusSource);
        Assert.Equal(("pump-7", "192.0.2.7:50000", "3.1.1"), (device.ClientId, device.RemoteAddress, device.ProtocolVersion));
        Assert.NotNull(device.LastSeen);

        live.Connect("pump-7");
        Assert.Equal(DeviceStatus.Online, live.Device("plant/pump7").Status);
    }

    [Fact]
    public void A_device_with_a_status_topic_goes_offline_when_its_connection_is_lost_and_no_will_will_say_so()
    {
        using var live = new LiveFixture();
        live.Connect("esp32-1");
        live.Publish("home/sensor1/status", "online", "esp32-1");

        live.Clock = live.Clock.AddMinutes(5); // the device's own, long-lived connection
        live.Disconnect("esp32-1", graceful: false, willTopic: null);

        Assert.Equal(DeviceStatus.Offline, live.Device("home/sensor1").Status);
    }

    [Fact]
    public void A_device_whose_discovery_configs_are_all_removed_is_gone_and_its_topics_are_read_afresh()
    {
        using var live = new LiveFixture(null,
            new HomeAssistantDiscovery(Options.Create(new DevicesOptions()), NullLogger<HomeAssistantDiscovery>.Instance), new TasmotaConvention());
        // Tasmota's legacy discovery (SetOption19 1), then discovery switched off: it empties every config it had sent.
        string[] configs = ["homeassistant/sensor/B1C2D3_AM2301_Temperature/config", "homeassistant/sensor/B1C2D3_AM2301_Humidity/config"];
        live.Publish(configs[0], """{"name":"Cellar Plug AM2301 Temperature","stat_t":"tele/cellarplug/SENSOR","val_tpl":"{{value_json['AM2301']['Temperature']}}","unit_of_meas":"°C","avty_t":"tele/cellarplug/LWT","pl_avail":"Online","pl_not_avail":"Offline","dev":{"ids":["B1C2D3"],"name":"Cellar Plug"}}""", retain: true);
        live.Publish(configs[1], """{"name":"Cellar Plug AM2301 Humidity","stat_t":"tele/cellarplug/SENSOR","val_tpl":"{{value_json['AM2301']['Humidity']}}","unit_of_meas":"%","avty_t":"tele/cellarplug/LWT","pl_avail":"Online","pl_not_avail":"Offline","dev":{"ids":["B1C2D3"]}}""", retain: true);
        live.Publish("tele/cellarplug/LWT", "Online", "DVES_B1C2D3", retain: true);
        live.Publish("tele/cellarplug/SENSOR", """{"Time":"2026-12-05T10:00:00","AM2301":{"Temperature":18.5,"Humidity":61.0},"TempUnit":"C"}""", "DVES_B1C2D3");
        Assert.Equal((DeviceStatus.Online, 2), (live.Device("Cellar Plug").Status, live.Device("Cellar Plug").Metrics.Count));

        foreach (var config in configs)
        {
            live.Publish(config, "", retain: true);
        }

        Assert.Null(live.State.Device("Cellar Plug"));
        live.Publish("tele/cellarplug/SENSOR", """{"Time":"2026-12-05T10:05:00","AM2301":{"Temperature":18.7,"Humidity":60.5},"TempUnit":"C"}""", "DVES_B1C2D3");
        live.Publish("tele/cellarplug/LWT", "Offline", retain: true);
        var plug = live.Device("cellarplug"); // Tasmota's own convention: the device is its Topic
        Assert.Equal(DeviceStatus.Offline, plug.Status);
        Assert.Contains(plug.Metrics, m => m.Value == 18.7);
        Assert.Single(live.State.Devices());
    }

    [Fact]
    public void A_tasmota_relay_reported_by_state_and_by_its_change_is_one_reading_showing_the_latest()
    {
        using var live = new LiveFixture(null, new TasmotaConvention());
        live.Publish("tele/plug1/STATE", """{"Time":"2026-12-05T10:00:00","Uptime":"0T01:00:00","POWER":"ON","Wifi":{"RSSI":76,"Signal":-62}}""");

        live.Publish("stat/plug1/POWER", "OFF"); // switched off at the button: Tasmota says so at once, the STATE only later

        var power = Assert.Single(live.Device("plug1").Metrics, m => m.Metric == "POWER");
        Assert.Equal(0, power.Value);
    }

    [Fact]
    public void The_tutorials_retained_status_script_leaves_the_status_it_published_when_its_exit_resets_the_connection()
    {
        using var live = new LiveFixture();
        live.Connect("paho-retained"); // connect, publish a retained "online", exit without DISCONNECT
        live.Publish("home/status", "online", "paho-retained", retain: true);

        live.Disconnect("paho-retained", graceful: false);

        Assert.Equal(DeviceStatus.Online, live.Device("home").Status);
    }

    [Fact]
    public void A_device_whose_will_is_pending_on_its_status_topic_waits_for_the_will()
    {
        using var live = new LiveFixture();
        live.Connect("esp32-1", willTopic: "home/sensor1/status");
        live.Publish("home/sensor1/status", "online", "esp32-1");

        live.Disconnect("esp32-1", graceful: false, willTopic: "home/sensor1/status");
        Assert.Equal(DeviceStatus.Online, live.Device("home/sensor1").Status);

        live.Publish("home/sensor1/status", "offline", "esp32-1"); // the will, delivered by the broker
        Assert.Equal(DeviceStatus.Offline, live.Device("home/sensor1").Status);
        Assert.Equal("status topic home/sensor1/status", live.Device("home/sensor1").StatusSource);
    }

    [Fact]
    public void A_unit_belongs_to_its_reading_and_does_not_stick_to_the_next()
    {
        using var live = new LiveFixture();
        live.Publish("lab/probe/temperature", """{"value": 21.5, "unit": "celsius"}""");
        Assert.Equal("°C", Assert.Single(live.Device("lab/probe").Metrics).Unit);

        live.Publish("lab/probe/temperature", "22");

        Assert.Null(Assert.Single(live.Device("lab/probe").Metrics).Unit);
    }

    [Fact]
    public void Behind_a_zigbee2mqtt_bridge_that_goes_offline_its_devices_are_unknown_not_online()
    {
        using var live = new LiveFixture(null, new Zigbee2MqttConvention(Options.Create(new DevicesOptions())));
        live.Publish("zigbee2mqtt/bridge/state", """{"state":"online"}""");
        live.Publish("zigbee2mqtt/living/lamp/availability", """{"state":"online"}""");
        live.Publish("zigbee2mqtt/living/lamp", """{"state":"ON","linkquality":120}""");
        Assert.Equal(DeviceStatus.Online, live.Device("zigbee2mqtt/living/lamp").Status);

        live.Publish("zigbee2mqtt/bridge/state", """{"state":"offline"}"""); // the bridge's will

        Assert.Equal(DeviceStatus.Offline, live.Device("zigbee2mqtt/bridge").Status);
        Assert.Equal(DeviceStatus.Unknown, live.Device("zigbee2mqtt/living/lamp").Status);
        Assert.StartsWith("zigbee2mqtt/bridge is offline", live.Device("zigbee2mqtt/living/lamp").StatusSource, StringComparison.Ordinal);
    }

    [Fact]
    public void A_zigbee2mqtt_device_renamed_leaves_no_device_online_under_its_old_name()
    {
        using var live = new LiveFixture(null, new Zigbee2MqttConvention(Options.Create(new DevicesOptions())));
        live.Publish("zigbee2mqtt/Hallway Light/availability", """{"state":"online"}""", retain: true);
        live.Publish("zigbee2mqtt/Hallway Light", """{"state":"ON","brightness":200,"linkquality":96}""");

        // What Zigbee2MQTT publishes on a rename (availability.ts: the old name's retained availability is cleared).
        live.Publish("zigbee2mqtt/bridge/response/device/rename", """{"data":{"from":"Hallway Light","to":"Hall Light"},"status":"ok"}""");
        live.Publish("zigbee2mqtt/Hallway Light/availability", "", retain: true);
        live.Publish("zigbee2mqtt/Hall Light/availability", """{"state":"online"}""", retain: true);

        Assert.Null(live.State.Device("zigbee2mqtt/Hallway Light"));
        Assert.Equal(DeviceStatus.Online, live.Device("zigbee2mqtt/Hall Light").Status);
    }

    [Fact]
    public void A_sparkplug_edge_nodes_death_takes_its_devices_offline_too()
    {
        using var live = new LiveFixture(null, new SparkplugConvention(NullLogger<SparkplugConvention>.Instance));
        var time = SparkplugPayloads.ExampleTime;
        live.Publish("spBv1.0/plant/NBIRTH/edge1", SparkplugPayloads.Payload(time, 0,
            new SparkplugPayloads.Metric("bdSeq", 1, SparkplugType.Int64, 3ul), new SparkplugPayloads.Metric("Supply Voltage", 2, SparkplugType.Float, 12.1f)));
        live.Publish("spBv1.0/plant/DBIRTH/edge1/pump", SparkplugPayloads.Payload(time, 1, new SparkplugPayloads.Metric("Pressure", 3, SparkplugType.Double, 2.4)));
        Assert.Equal(DeviceStatus.Online, live.Device("plant/edge1/pump").Status);

        live.Publish("spBv1.0/plant/NDEATH/edge1", SparkplugPayloads.Payload(null, null, new SparkplugPayloads.Metric("bdSeq", null, SparkplugType.Int64, 3ul)));

        Assert.Equal(DeviceStatus.Offline, live.Device("plant/edge1").Status);
        Assert.Equal(DeviceStatus.Offline, live.Device("plant/edge1/pump").Status);
    }

    [Fact]
    public void An_edge_nodes_will_after_its_lost_connection_is_the_cause_on_the_timeline_as_on_the_badge()
    {
        using var live = new LiveFixture(null, new SparkplugConvention(NullLogger<SparkplugConvention>.Instance));
        var death = SparkplugPayloads.Payload(null, null, new SparkplugPayloads.Metric("bdSeq", null, SparkplugType.Int64, 3ul));
        live.Connect("edge1", willTopic: "spBv1.0/plant/NDEATH/edge1");
        live.Publish("spBv1.0/plant/NBIRTH/edge1", SparkplugPayloads.Payload(SparkplugPayloads.ExampleTime, 0,
            new SparkplugPayloads.Metric("bdSeq", 1, SparkplugType.Int64, 3ul), new SparkplugPayloads.Metric("Supply Voltage", 2, SparkplugType.Float, 12.1f)), "edge1");
        live.Clock = live.Clock.AddMinutes(5);

        live.Disconnect("edge1", graceful: false, willTopic: "spBv1.0/plant/NDEATH/edge1");
        live.PublishWill("edge1", "spBv1.0/plant/NDEATH/edge1", death); // the broker sends the NDEATH it was given

        var edge = live.Device("plant/edge1");
        Assert.Equal((DeviceStatus.Offline, PresenceCause.Will), (edge.Status, edge.Cause));
        var timeline = live.State.TakeRegistryChanges().Presence.Where(p => p.DeviceId == "plant/edge1").ToList();
        Assert.Equal((DeviceStatus.Offline, PresenceCause.Will), (timeline[^1].Status, timeline[^1].Cause));
    }

    [Fact]
    public void A_one_shot_publisher_that_disconnects_cleanly_does_not_override_a_status_topic()
    {
        using var live = new LiveFixture();
        live.Connect("mosquitto_pub-1");
        live.Publish("home/led/status", "online", "mosquitto_pub-1", retain: true);

        live.Disconnect("mosquitto_pub-1", graceful: true);

        Assert.Equal(DeviceStatus.Online, live.Device("home/led").Status);
    }

    [Fact]
    public void A_device_without_a_status_topic_is_online_while_its_client_is_connected_and_unknown_after()
    {
        using var live = new LiveFixture();
        live.Connect("script");
        live.Publish("lab/bench/voltage", "3.3 V", "script");
        Assert.Equal(DeviceStatus.Online, live.Device("lab/bench").Status);

        live.Disconnect("script", graceful: true); // mosquitto_pub, or a script that publishes and exits: not offline

        Assert.Equal(DeviceStatus.Unknown, live.Device("lab/bench").Status);
        Assert.Equal(PresenceCause.Disconnected, live.Device("lab/bench").Cause);
        Assert.NotNull(live.Device("lab/bench").LastSeen);
    }

    [Fact]
    public void A_one_shot_publisher_whose_exit_resets_the_connection_leaves_its_device_unknown_not_offline()
    {
        using var live = new LiveFixture();
        live.Connect("paho-oneshot");
        live.Publish("garden/soil/moisture", "41", "paho-oneshot");

        live.Disconnect("paho-oneshot", graceful: false); // moments later, a reset: the tutorials' one-shot pattern

        Assert.Equal(DeviceStatus.Unknown, live.Device("garden/soil").Status);
    }

    [Fact]
    public void Retained_messages_replayed_at_start_restore_presence_and_values_but_not_last_seen()
    {
        using var live = new LiveFixture();

        live.Publish("home/sensor1/status", "online", retain: true, restored: true);
        live.Publish("home/sensor1/temperature", "21.5", retain: true, restored: true);

        var device = live.Device("home/sensor1");
        Assert.Equal(DeviceStatus.Online, device.Status);
        Assert.Null(device.LastStatusChange);
        Assert.Null(device.LastSeen);
        Assert.Equal(21.5, Assert.Single(device.Metrics).Value);
    }

    [Fact]
    public void Readings_that_also_report_presence_set_both_but_a_replayed_one_says_nothing_of_presence()
    {
        using var live = new LiveFixture(conventions: new OwnTracksConvention());
        const string location = """{"_type":"location","lat":48.85,"lon":2.29,"batt":80,"tst":1796212345}""";

        live.Publish("owntracks/jane/phone", location, retain: true, restored: true);
        Assert.Equal((DeviceStatus.Unknown, 3), (live.Device("owntracks/jane/phone").Status, live.Device("owntracks/jane/phone").Metrics.Count));

        live.Publish("owntracks/jane/phone", """{"_type":"lwt","tst":1796212000}""", "jane-phone");
        Assert.Equal(DeviceStatus.Offline, live.Device("owntracks/jane/phone").Status);

        live.Publish("owntracks/jane/phone", location.Replace("80", "79", StringComparison.Ordinal), "jane-phone");
        var phone = live.Device("owntracks/jane/phone");
        Assert.Equal(DeviceStatus.Online, phone.Status);
        Assert.Equal(79, phone.Metrics.Single(m => m.Metric == "batt").Value);
        Assert.Equal(phone.LastStatusChange, phone.LastSeen);
    }

    [Theory]
    [InlineData(new byte[] { 0x00, 0xFF, 0x10, 0x80 })]
    [InlineData(new byte[] { (byte)'N', (byte)'a', (byte)'N' })]
    [InlineData(new byte[] { (byte)'1', (byte)'e', (byte)'9', (byte)'9', (byte)'9' })]
    [InlineData(new byte[] { (byte)'{', (byte)'"', (byte)'t', (byte)'"', (byte)':' })]
    public void Garbage_is_kept_as_the_topics_last_payload_and_makes_no_reading(byte[] payload)
    {
        using var live = new LiveFixture();

        live.Publish("home/weird/thing", payload);

        var topic = live.State.Topic("home/weird/thing")!;
        Assert.Equal(payload, topic.Payload);
        Assert.Empty(topic.Readings);
        Assert.Empty(live.State.Devices());
    }

    [Fact]
    public void The_sparkline_window_keeps_the_latest_values_in_order()
    {
        using var live = new LiveFixture(new LiveOptions { SparklinePoints = 3 });

        foreach (var value in new[] { 1, 2, 3, 4, 5 })
        {
            live.Publish("home/room/temperature", value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var series = Assert.Single(live.State.Latest());
        Assert.Equal([3.0, 4, 5], series.Recent);
        Assert.Equal(5, series.Value);
        Assert.True(series.RecentTimes[0] < series.RecentTimes[2]);
    }

    [Fact]
    public void Topics_beyond_the_cap_are_counted_not_tracked()
    {
        using var live = new LiveFixture(new LiveOptions { MaxTopics = 10 });

        for (var i = 0; i < 15; i++)
        {
            live.Publish($"fleet/{i}/temperature", "20");
        }

        Assert.Equal(10, live.State.Topics().Count);
        Assert.Equal(5, live.State.TopicsDropped);
        live.Publish("fleet/0/temperature", "21");
        Assert.Equal(21, live.State.Topic("fleet/0/temperature")!.Readings[0].Value);
    }

    [Fact]
    public void A_topic_remembers_its_publishers_retained_flag_and_qos()
    {
        using var live = new LiveFixture();

        live.Publish("home/led/set", "ON", "dashboard-ui", retain: true);
        live.Publish("home/led/set", "OFF", "phone");

        var topic = live.State.Topic("home/led/set")!;
        Assert.Equal(["dashboard-ui", "phone"], topic.Publishers);
        Assert.False(topic.Summary.Retained);
        Assert.Equal(1, topic.Summary.Qos);
        Assert.Equal(2, topic.Summary.Messages);
    }

    [Fact]
    public void The_feed_hands_subscribers_the_latest_change_per_series_in_one_batch()
    {
        using var live = new LiveFixture();
        var batches = new List<LiveBatch>();
        using var subscription = live.Feed.Subscribe(batches.Add);

        for (var i = 0; i < 100; i++)
        {
            live.Publish("home/room/temperature", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        live.Feed.Flush();

        // The feed's own timer may have flushed in between: each batch still holds one change for the series.
        var readings = batches.Select(b => Assert.Single(b.Changes.OfType<ReadingChanged>())).ToList();
        Assert.Equal(99, readings[^1].Value);
        Assert.True(readings.Count < 10, $"{readings.Count} batches for 100 messages");
    }
}
