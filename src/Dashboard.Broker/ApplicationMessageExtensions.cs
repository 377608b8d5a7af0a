using MQTTnet;
using MQTTnet.Protocol;

namespace Dashboard.Broker;

internal static class ApplicationMessageExtensions
{
    /// <summary>A copy for one receiver, at its QoS and retain flag, with its subscription identifiers; the payload is shared (MQTTnet never changes it).</summary>
    public static MqttApplicationMessage CopyFor(this MqttApplicationMessage message, MqttQualityOfServiceLevel qos, bool retain, List<uint>? identifiers = null) => new()
    {
        Topic = message.Topic,
        Payload = message.Payload,
        QualityOfServiceLevel = qos,
        Retain = retain,
        ContentType = message.ContentType,
        ResponseTopic = message.ResponseTopic,
        CorrelationData = message.CorrelationData,
        PayloadFormatIndicator = message.PayloadFormatIndicator,
        MessageExpiryInterval = message.MessageExpiryInterval,
        UserProperties = message.UserProperties,
        SubscriptionIdentifiers = identifiers,
    };
}
