using System.Text;
using Dashboard.Broker.Metrics;
using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.Broker;

/// <summary>
/// What an MQTT 5 client asks of the broker in CONNECT: its Maximum Packet Size (never a larger packet, [MQTT-3.1.2-24/25])
/// and its Receive Maximum (never more unacknowledged QoS 1/2 messages in flight, [MQTT-3.3.4-9]).
/// </summary>
public sealed class ClientLimitsTests
{
    private const uint Limit = 100;

    [Fact]
    public async Task A_message_larger_than_a_clients_maximum_packet_size_is_dropped_for_that_client_only_and_counted()
    {
        await using var app = await DashboardApp.StartAsync();
        var metrics = app.Services.GetRequiredService<BrokerMetrics>();
        var topic = $"big/{Guid.NewGuid():N}"[..12];

        await using var small = await RawMqttSocket.ConnectAsync(app.MqttPort);
        await small.SendAsync(new MqttConnectPacket { ClientId = "small-reader", CleanSession = true, KeepAlivePeriod = 60, MaximumPacketSize = Limit }, MqttProtocolVersion.V500);
        Assert.Equal(0x20, (await small.ReadPacketAsync())[0]);
        await small.SendAsync(new MqttSubscribePacket { PacketIdentifier = 1, TopicFilters = [new MqttTopicFilter { Topic = $"{topic}/#" }] }, MqttProtocolVersion.V500);
        Assert.Equal(0x90, (await small.ReadPacketAsync())[0]);

        await using var anyone = await TestClient.ConnectAsync(app, version: MqttProtocolVersion.V500);
        await anyone.SubscribeAsync($"{topic}/#");

        await using var publisher = await TestClient.ConnectAsync(app);
        await publisher.PublishAsync($"{topic}/large", new string('x', 500), MqttQualityOfServiceLevel.AtLeastOnce);
        await publisher.PublishAsync($"{topic}/small", "fits", MqttQualityOfServiceLevel.AtLeastOnce);

        // The client without a limit gets both; the limited one only the one that fits, and nothing larger ever.
        Assert.Equal($"{topic}/large", (await anyone.NextAsync()).Topic);
        Assert.Equal($"{topic}/small", (await anyone.NextAsync()).Topic);
        var first = await small.ReadPacketAsync();
        Assert.Equal(0x30, first[0] & 0xF0); // PUBLISH
        Assert.True(first.Length <= Limit, $"a {first.Length}-byte packet was sent to a client that accepts {Limit}");
        Assert.Contains($"{topic}/small", Encoding.UTF8.GetString(first), StringComparison.Ordinal);
        Assert.Equal(1, metrics.MessagesTooLargeForClient);
    }

    [Fact]
    public async Task No_more_unacknowledged_messages_are_in_flight_than_the_clients_receive_maximum_and_the_rest_wait()
    {
        await using var app = await DashboardApp.StartAsync();
        var topic = $"window/{Guid.NewGuid():N}"[..15];
        await using var slow = await RawMqttSocket.SubscribeWithReceiveMaximumAsync(app.MqttPort, "slow-reader", topic, receiveMaximum: 2);

        await using var publisher = await TestClient.ConnectAsync(app);
        for (var i = 1; i <= 5; i++)
        {
            await publisher.PublishAsync(topic, $"m{i}", MqttQualityOfServiceLevel.AtLeastOnce);
        }

        var first = await slow.ReadPacketAsync();
        var second = await slow.ReadPacketAsync();
        var next = slow.ReadPacketAsync();
        Assert.False(await ArrivesWithinAsync(next, TimeSpan.FromMilliseconds(700)), "a third message came before any PUBACK");

        // Each PUBACK lets exactly one more through, in order.
        await slow.SendAsync(new MqttPubAckPacket { PacketIdentifier = RawPackets.PublishPacketId(first) }, MqttProtocolVersion.V500);
        Assert.EndsWith("m3", Encoding.UTF8.GetString(await next), StringComparison.Ordinal);
        Assert.EndsWith("m2", Encoding.UTF8.GetString(second), StringComparison.Ordinal);
        Assert.False(await ArrivesWithinAsync(slow.ReadPacketAsync(), TimeSpan.FromMilliseconds(500)), "a fourth message came with two unacknowledged");
    }

    [Fact]
    public async Task A_full_receive_maximum_holds_back_only_messages_to_the_client_never_its_own_PUBACKs_or_PINGRESP()
    {
        await using var app = await DashboardApp.StartAsync();
        var topic = $"echo/{Guid.NewGuid():N}"[..15];
        await using var client = await RawMqttSocket.SubscribeWithReceiveMaximumAsync(app.MqttPort, "echo-device", topic, receiveMaximum: 2);

        // It publishes three QoS 1 messages to its own topic and pings, acknowledging nothing it receives (as paho's
        // interoperability test of flow control does): two come back, and every PUBACK and the PINGRESP still arrive.
        for (ushort id = 1; id <= 3; id++)
        {
            await client.SendAsync(new MqttPublishPacket
            {
                Topic = topic,
                PacketIdentifier = id,
                QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
                Payload = new System.Buffers.ReadOnlySequence<byte>(Encoding.UTF8.GetBytes($"m{id}")),
            }, MqttProtocolVersion.V500);
        }

        await client.SendAsync(new MqttPingReqPacket(), MqttProtocolVersion.V500);
        var publishes = new List<byte[]>();
        var (pubAcks, pingResps) = (0, 0);
        while (pubAcks < 3 || pingResps < 1 || publishes.Count < 2)
        {
            var packet = await client.ReadPacketAsync();
            switch (packet[0] & 0xF0)
            {
                case 0x30: publishes.Add(packet); break;
                case 0x40: pubAcks++; break;
                case 0xD0: pingResps++; break;
                default: Assert.Fail($"unexpected packet type 0x{packet[0]:X2}"); break;
            }
        }

        Assert.Equal(2, publishes.Count);
        var third = client.ReadPacketAsync();
        Assert.False(await ArrivesWithinAsync(third, TimeSpan.FromMilliseconds(500)), "a third message came with two unacknowledged");

        await client.SendAsync(new MqttPubAckPacket { PacketIdentifier = RawPackets.PublishPacketId(publishes[0]) }, MqttProtocolVersion.V500);
        Assert.EndsWith("m3", Encoding.UTF8.GetString(await third), StringComparison.Ordinal);
    }

    private static async Task<bool> ArrivesWithinAsync(Task<byte[]> read, TimeSpan wait) =>
        await Task.WhenAny(read, Task.Delay(wait)) == read;
}
