using System.Text;
using Dashboard.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.Broker;

/// <summary>MQTT 5 message properties the broker must pass on, and the expiry it must keep (§3.3.2.3).</summary>
public sealed class MessagePropertiesTests
{
    [Fact]
    public async Task Response_topic_correlation_data_user_properties_and_content_type_arrive_unchanged()
    {
        await using var app = await DashboardApp.StartAsync();
        var topic = $"props/{Guid.NewGuid():N}";
        await using var subscriber = await TestClient.ConnectAsync(app, version: MqttProtocolVersion.V500);
        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        await using var publisher = await TestClient.ConnectAsync(app, version: MqttProtocolVersion.V500);

        await publisher.Client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload("{\"on\":true}")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithResponseTopic("replies/42")
            .WithCorrelationData([0xCA, 0xFE])
            .WithContentType("application/json")
            .WithPayloadFormatIndicator(MqttPayloadFormatIndicator.CharacterData)
            .WithUserProperty("source", "lab"u8.ToArray().AsMemory())
            .WithUserProperty("source", "twice"u8.ToArray().AsMemory()) // [MQTT-3.3.2-18]: in order, duplicates kept
            .Build());

        var message = await subscriber.NextAsync();
        Assert.Equal("replies/42", message.ResponseTopic);
        Assert.Equal(new byte[] { 0xCA, 0xFE }, message.CorrelationData);
        Assert.Equal("application/json", message.ContentType);
        Assert.Equal(MqttPayloadFormatIndicator.CharacterData, message.PayloadFormatIndicator);
        Assert.Equal([("source", "lab"), ("source", "twice")], message.UserProperties.Select(p => (p.Name, p.ReadValueAsString())));
    }

    [Fact]
    public async Task An_expired_message_is_not_delivered_to_a_returning_session_and_a_live_one_carries_its_remaining_time()
    {
        await using var app = await DashboardApp.StartAsync();
        var topic = $"expiry/{Guid.NewGuid():N}";
        var clientId = $"exp-{Guid.NewGuid():N}"[..14];
        var persistent = TestClient.Options(app, clientId, version: MqttProtocolVersion.V500).WithCleanStart(false).WithSessionExpiryInterval(3600).Build();
        await using (var device = await TestClient.ConnectAsync(persistent))
        {
            await device.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        }

        await using var publisher = await TestClient.ConnectAsync(app, version: MqttProtocolVersion.V500);
        await Publish(publisher, topic, "short-lived", expirySeconds: 1);
        await Publish(publisher, topic, "long-lived", expirySeconds: 120);
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // the first one's second runs out while the client is away

        await using var back = await TestClient.ConnectAsync(persistent);
        var message = await back.NextAsync();
        Assert.Equal("long-lived", message.Text()); // [MQTT-3.3.2-5]: the expired one is gone
        Assert.InRange(message.MessageExpiryInterval, 1u, 119u); // [MQTT-3.3.2-6]: what is left, not the original 120
        Assert.True(await back.NothingArrivesAsync(TimeSpan.FromMilliseconds(500)));
    }

    private static Task Publish(TestClient publisher, string topic, string payload, uint expirySeconds) =>
        publisher.Client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(Encoding.UTF8.GetBytes(payload))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithMessageExpiryInterval(expirySeconds)
            .Build());
}
