using Dashboard.Broker.Transport;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace Dashboard.Tests.Broker;

public sealed class ClientPacketSizeLimitsTests
{
    public static TheoryData<string, int, bool> Messages => new()
    {
        { "a", 0, false },
        { "home/sensor1/temperature", 5, false },
        { "home/sensor1/temperature", 200, true },
        { "longer/topic/with/many/levels/and/é/accents", 20_000, true },
    };

    /// <summary>The estimate is never below what MQTTnet really sends an MQTT 5 client, and not far above it.</summary>
    [Theory]
    [MemberData(nameof(Messages))]
    public void The_size_estimate_bounds_the_real_publish_packet_from_above(string topic, int payloadLength, bool properties)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(new byte[payloadLength])
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.ExactlyOnce)
            .Build();
        if (properties)
        {
            message.ContentType = "application/json";
            message.ResponseTopic = "replies/here";
            message.CorrelationData = [1, 2, 3, 4];
            message.MessageExpiryInterval = 60;
            message.PayloadFormatIndicator = MqttPayloadFormatIndicator.CharacterData;
            message.UserProperties = [new MqttUserProperty("source", "lab"u8.ToArray())];
        }

        var packet = new MqttPublishPacket
        {
            Topic = message.Topic,
            Payload = message.Payload,
            QualityOfServiceLevel = message.QualityOfServiceLevel,
            PacketIdentifier = 65535,
            ContentType = message.ContentType,
            ResponseTopic = message.ResponseTopic,
            CorrelationData = message.CorrelationData,
            MessageExpiryInterval = message.MessageExpiryInterval,
            PayloadFormatIndicator = message.PayloadFormatIndicator,
            UserProperties = message.UserProperties,
            SubscriptionIdentifiers = [268_435_455],
        };
        var real = new MqttPacketFormatterAdapter(MqttProtocolVersion.V500, new MqttBufferWriter(4096, 65535)).Encode(packet).Length;

        var estimate = ClientPacketSizeLimits.PublishSize(message);

        Assert.InRange(estimate, real, real + 32);
    }
}
