using System.Globalization;
using Dashboard.IntegrationTests.Infrastructure;
using MQTTnet.Diagnostics.PacketInspection;

namespace Dashboard.IntegrationTests.Broker;

public sealed class KeepAliveAndSysTests
{
    [Fact]
    public async Task A_silent_client_is_dropped_after_one_and_a_half_keep_alive_periods()
    {
        await using var app = await DashboardApp.StartAsync();
        await using var socket = await RawMqttSocket.ConnectAsync(app.MqttPort);
        await socket.SendAsync(RawPackets.Connect("sleepy", keepAlive: 1));
        Assert.Equal(new byte[] { 0x20, 0x02, 0x00, 0x00 }, await socket.ReadAsync(4));
        var since = DateTime.UtcNow;

        Assert.True(await socket.ClosedByBrokerWithinAsync(TimeSpan.FromSeconds(5)));
        Assert.True(DateTime.UtcNow - since >= TimeSpan.FromSeconds(1), "not before the keep alive ran out");
    }

    [Fact]
    public async Task Broker_max_keep_alive_is_given_to_MQTT_5_clients_that_ask_for_more_or_none_and_they_are_held_to_it()
    {
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?> { ["Broker:MaxKeepAlive"] = "00:00:01" });

        // MQTTnet's client, asking for 10 minutes: CONNACK's Server Keep Alive says 1 s [MQTT-3.2.2-21].
        await using (var polite = await TestClient.ConnectAsync(TestClient.Options(app, version: MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithKeepAlivePeriod(TimeSpan.FromMinutes(10)).Build()))
        {
            Assert.Equal(1, polite.ConnectResult!.ServerKeepAlive);
        }

        // A raw client asking for none (0) gets 1 s too, and is dropped when it stays silent past 1.5 s.
        await using var socket = await RawMqttSocket.ConnectAsync(app.MqttPort);
        await socket.SendAsync(RawPackets.ConnectV5("silent-v5", keepAlive: 0));
        var connAck = await socket.ReadPacketAsync();
        Assert.Equal((byte)0x20, connAck[0]);
        Assert.Equal(0x00, connAck[3]); // success
        Assert.Contains(Enumerable.Range(5, connAck.Length - 7), i => connAck[i] == 0x13 && connAck[i + 1] == 0 && connAck[i + 2] == 1); // Server Keep Alive = 1
        Assert.True(await socket.ClosedByBrokerWithinAsync(TestClient.Patience));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(60)]
    public async Task Broker_max_keep_alive_refuses_an_MQTT_3_client_asking_for_more_or_none(ushort keepAlive)
    {
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?> { ["Broker:MaxKeepAlive"] = "00:00:30" });
        await using var socket = await RawMqttSocket.ConnectAsync(app.MqttPort);

        await socket.SendAsync(RawPackets.Connect("too-sleepy", keepAlive: keepAlive));

        Assert.Equal(new byte[] { 0x20, 0x02, 0x00, 0x02 }, await socket.ReadAsync(4)); // identifier rejected, as Mosquitto answers
        Assert.True(await socket.ClosedByBrokerWithinAsync(TestClient.Patience));
        await using var fine = await TestClient.ConnectAsync(TestClient.Options(app).WithKeepAlivePeriod(TimeSpan.FromSeconds(30)).Build());
        Assert.True(fine.Client.IsConnected);
    }

    [Fact]
    public async Task A_client_that_pings_stays_connected()
    {
        await using var app = await DashboardApp.StartAsync();
        var pingResponses = 0;
        var twoPings = new TaskCompletionSource();
        // 4 s, not 1: on a busy 2-core CI machine (the suite's own browsers and brokers) a ping may come a second or more
        // late, and the broker allows only 1.5 periods.
        var options = TestClient.Options(app).WithKeepAlivePeriod(TimeSpan.FromSeconds(4)).Build();
        await using var client = await TestClient.ConnectAsync(options, onPacket: (direction, buffer) =>
        {
            if (direction == MqttPacketFlowDirection.Inbound && buffer[0] == 0xD0 && Interlocked.Increment(ref pingResponses) == 2)
            {
                twoPings.TrySetResult(); // PINGRESP: more than 1.5 keep alive periods have passed
            }
        });

        await twoPings.Task.WaitAsync(TestClient.Patience * 3);
        await client.SubscribeAsync("ping/check");
        await client.PublishAsync("ping/check", "alive");

        Assert.Equal("alive", (await client.NextAsync()).Text());
    }

    [Fact]
    public async Task Broker_statistics_are_published_under_sys()
    {
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?> { ["Broker:SysInterval"] = "00:00:01" });
        await using var client = await TestClient.ConnectAsync(app);

        await client.SubscribeAsync("$SYS/broker/clients/connected");

        // The retained value may be from a refresh before this client connected; the next ones count it.
        var seen = new List<string>();
        while (seen.LastOrDefault() != "1")
        {
            Assert.True(seen.Count < 20, $"clients/connected never said 1: {string.Join(", ", seen)}");
            seen.Add((await client.NextAsync()).Text());
        }
    }

    [Fact]
    public async Task Mosquittos_sys_topics_are_there_for_its_monitoring_recipes_loads_included()
    {
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?> { ["Broker:SysInterval"] = "00:00:01" });
        await using var client = await TestClient.ConnectAsync(app);
        await client.SubscribeAsync("$SYS/broker/load/messages/received/1min");
        string load;
        do
        {
            await client.PublishAsync("sensors/kitchen/temperature", "21.5"); // traffic, so the load rises
            load = (await client.NextOnAsync("$SYS/broker/load/messages/received/1min")).Text();
        }
        while (load == "0.00");

        Assert.Matches(@"^\d+\.\d\d$", load);

        // What a Mosquitto user's monitoring reads, read with mosquitto_sub, after a refresh or two ("retained messages/count"
        // has a space in it: topic and payload are split by a tab).
        var (_, output) = await ExternalProcess.RunAsync("mosquitto_sub",
            ["-h", "127.0.0.1", "-p", app.MqttPort.ToString(CultureInfo.InvariantCulture), "-F", "%t\t%p", "-t", "$SYS/#", "-W", "3"]);
        var values = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t', 2)).Where(parts => parts.Length == 2 && parts[0].StartsWith("$SYS/", StringComparison.Ordinal))
            .GroupBy(parts => parts[0]).ToDictionary(g => g.Key, g => g.Last()[1].Trim());
        string[] mosquittos =
        [
            "clients/connected", "clients/disconnected", "clients/total", "clients/maximum", "clients/expired",
            "messages/received", "messages/sent", "messages/stored", "publish/messages/received", "publish/messages/sent",
            "publish/messages/dropped", "bytes/received", "bytes/sent", "store/messages/count", "subscriptions/count",
            "shared_subscriptions/count", "retained messages/count", "uptime", "version",
            "load/messages/received/1min", "load/messages/sent/5min", "load/publish/received/15min", "load/bytes/received/1min",
            "load/connections/1min", "load/sockets/5min",
        ];
        var missing = mosquittos.Where(topic => !values.ContainsKey("$SYS/broker/" + topic)).ToList();
        Assert.True(missing.Count == 0, "missing: " + string.Join(", ", missing));
        Assert.Matches(@"^\d+ seconds$", values["$SYS/broker/uptime"]);
        Assert.True(long.Parse(values["$SYS/broker/clients/total"], CultureInfo.InvariantCulture) >= 2, values["$SYS/broker/clients/total"]); // both clients
        Assert.True(long.Parse(values["$SYS/broker/publish/messages/received"], CultureInfo.InvariantCulture) > 0);
    }

    [Fact]
    public async Task The_dashboards_ingestion_counters_and_heap_are_published_under_sys()
    {
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?> { ["Broker:SysInterval"] = "00:00:01" });
        await using var client = await TestClient.ConnectAsync(app);
        for (var i = 0; i < 3; i++)
        {
            await client.PublishAsync("sensors/kitchen/temperature", "21.5");
        }

        await client.SubscribeAsync("$SYS/broker/ingestion/#");
        await client.SubscribeAsync("$SYS/broker/heap/current");

        // At least the three readings (the connection counts too); an earlier refresh may not have counted them yet.
        long processed;
        do
        {
            processed = long.Parse((await client.NextOnAsync("$SYS/broker/ingestion/processed")).Text(), CultureInfo.InvariantCulture);
        }
        while (processed < 3);

        var backlog = new List<string>(); // a refresh may be taken while the readings were still queued
        while (backlog.LastOrDefault() != "0")
        {
            Assert.True(backlog.Count < 20, $"the ingestion backlog never emptied: {string.Join(", ", backlog)}");
            backlog.Add((await client.NextOnAsync("$SYS/broker/ingestion/backlog")).Text());
        }

        Assert.Equal("0", (await client.NextOnAsync("$SYS/broker/ingestion/dropped")).Text());
        Assert.True(long.Parse((await client.NextOnAsync("$SYS/broker/heap/current")).Text(), CultureInfo.InvariantCulture) > 0);
    }
}
