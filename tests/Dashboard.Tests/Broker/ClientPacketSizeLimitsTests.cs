using Dashboard.Broker.Transport;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace Dashboard.Tests.Broker;

public sealed class ClientPacketSizeLimitsTests
{
    public static TheoryData<string, int, bool, MqttQualityOfServiceLevel, uint[]> Messages => new()
    {
        { "a", 0, false, MqttQualityOfServiceLevel.AtMostOnce, [] },
        { "client_test5/TopicA", 32, false, MqttQualityOfServiceLevel.AtMostOnce, [] }, // paho's interoperability test: fits in 64
        { "home/sensor1/temperature", 5, false, MqttQualityOfServiceLevel.AtLeastOnce, [7] },
        { "home/sensor1/temperature", 200, true, MqttQualityOfServiceLevel.ExactlyOnce, [1, 200, 268_435_455] },
        { "longer/topic/with/many/levels/and/é/accents", 20_000, true, MqttQualityOfServiceLevel.AtLeastOnce, [] },
    };

    /// <summary>The size is what MQTTnet really sends an MQTT 5 client, to the byte: a message that fits is never refused.</summary>
    [Theory]
    [MemberData(nameof(Messages))]
    public void The_size_is_that_of_the_real_publish_packet(string topic, int payloadLength, bool properties, MqttQualityOfServiceLevel qos, uint[] identifiers)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(new byte[payloadLength])
            .WithQualityOfServiceLevel(qos)
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
            PacketIdentifier = (ushort)(qos > MqttQualityOfServiceLevel.AtMostOnce ? 65535 : 0),
            ContentType = message.ContentType,
            ResponseTopic = message.ResponseTopic,
            CorrelationData = message.CorrelationData,
            MessageExpiryInterval = message.MessageExpiryInterval,
            PayloadFormatIndicator = message.PayloadFormatIndicator,
            UserProperties = message.UserProperties,
            SubscriptionIdentifiers = identifiers.Length > 0 ? [.. identifiers] : null,
        };
        var real = new MqttPacketFormatterAdapter(MqttProtocolVersion.V500, new MqttBufferWriter(4096, 65535)).Encode(packet).Length;

        Assert.Equal(real, ClientPacketSizeLimits.PublishSize(message, qos, identifiers));
    }
}
