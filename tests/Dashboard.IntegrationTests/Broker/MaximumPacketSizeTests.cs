using System.Text;
using Dashboard.Broker.Metrics;
using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.Broker;

/// <summary>MQTT 5's Maximum Packet Size, set by a client in CONNECT: the broker never sends it a larger packet [MQTT-3.1.2-24/25].</summary>
public sealed class MaximumPacketSizeTests
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
}
