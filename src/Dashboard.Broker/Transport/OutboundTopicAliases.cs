using MQTTnet.Packets;

namespace Dashboard.Broker.Transport;

/// <summary>
/// Topic aliases the broker sends to an MQTT 5 client whose CONNECT allows them, with <c>Broker:SendTopicAliases</c>: the
/// first message on a topic carries the topic and a new alias, later ones the alias alone [MQTT-3.3.2-10, 3.3.2-11]. When the
/// client's Topic Alias Maximum is used up, other topics go out whole: an alias is never given to another topic, so a
/// message and its alias can never be read against the wrong topic. Applied as a packet is encoded, under the channel's
/// write lock, so aliases are given in the order the client reads them; the packet MQTTnet keeps (and sends again on a
/// later connection, which has aliases of its own) is never changed.
/// </summary>
internal sealed class OutboundTopicAliases(ushort maximum)
{
    private readonly Dictionary<string, ushort> _aliases = new(StringComparer.Ordinal);

    /// <summary>What to encode for <paramref name="publish"/>, and the alias it would give a topic (to <see cref="Remember"/> once it is written).</summary>
    public (MqttPublishPacket Packet, ushort NewAlias) Apply(MqttPublishPacket publish)
    {
        if (publish.TopicAlias != 0 || string.IsNullOrEmpty(publish.Topic))
        {
            return (publish, 0);
        }

        if (_aliases.TryGetValue(publish.Topic, out var alias))
        {
            return (Copy(publish, "", alias), 0);
        }

        if (_aliases.Count >= maximum)
        {
            return (publish, 0);
        }

        alias = (ushort)(_aliases.Count + 1);
        return (Copy(publish, publish.Topic, alias), alias);
    }

    public void Remember(string topic, ushort alias) => _aliases[topic] = alias;

    private static MqttPublishPacket Copy(MqttPublishPacket publish, string topic, ushort alias) => new()
    {
        Topic = topic,
        TopicAlias = alias,
        PacketIdentifier = publish.PacketIdentifier,
        QualityOfServiceLevel = publish.QualityOfServiceLevel,
        Retain = publish.Retain,
        Dup = publish.Dup,
        Payload = publish.Payload,
        ContentType = publish.ContentType,
        CorrelationData = publish.CorrelationData,
        MessageExpiryInterval = publish.MessageExpiryInterval,
        PayloadFormatIndicator = publish.PayloadFormatIndicator,
        ResponseTopic = publish.ResponseTopic,
        SubscriptionIdentifiers = publish.SubscriptionIdentifiers,
        UserProperties = publish.UserProperties,
    };
}
