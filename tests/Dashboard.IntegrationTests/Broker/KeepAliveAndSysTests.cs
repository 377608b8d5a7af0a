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
    public async Task A_client_that_pings_stays_connected()
    {
        await using var app = await DashboardApp.StartAsync();
        var pingResponses = 0;
        var threePings = new TaskCompletionSource();
        // 2 s, not 1: on a busy 2-core CI machine a ping may come late, and the broker allows only 1.5 periods.
        var options = TestClient.Options(app).WithKeepAlivePeriod(TimeSpan.FromSeconds(2)).Build();
        await using var client = await TestClient.ConnectAsync(options, onPacket: (direction, buffer) =>
        {
            if (direction == MqttPacketFlowDirection.Inbound && buffer[0] == 0xD0 && Interlocked.Increment(ref pingResponses) == 3)
            {
                threePings.TrySetResult(); // PINGRESP: 1.5 keep alive periods have passed at least twice
            }
        });

        await threePings.Task.WaitAsync(TestClient.Patience * 2);
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
