using Microsoft.Extensions.Options;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace Dashboard.Broker.Transport;

/// <summary>
/// MQTT 5 topic aliases from a client, per connection [MQTT-3.3.2-7]: at most <c>Broker:TopicAliasMaximum</c> (told in
/// CONNACK); an alias above it gets DISCONNECT 0x94 [MQTT-3.3.2-9] (alias 0 is caught by <see cref="MqttPacketRules"/>),
/// an empty topic with an alias never set gets 0x82. MQTTnet accepts any alias and delivers an unknown one with an empty
/// topic, so aliases are resolved here, before every other hook, and MQTTnet never sees one.
/// Aliases towards clients are <see cref="OutboundTopicAliases"/>' (off unless <c>Broker:SendTopicAliases</c>).
/// </summary>
internal sealed class TopicAliases(IOptions<BrokerOptions> options) : IMqttPacketHook
{
    public MqttPacket? Received(ClientConnection connection, MqttPacket packet)
    {
        if (packet is not MqttPublishPacket { TopicAlias: > 0 } publish || connection.ProtocolVersion != MqttProtocolVersion.V500)
        {
            return packet;
        }

        var alias = publish.TopicAlias;
        var max = options.Value.TopicAliasMaximum;
        if (alias > max)
        {
            throw new MalformedPacketException($"Topic Alias {alias} is above the Topic Alias Maximum {max} [MQTT-3.3.2-9]",
                reasonCode: MqttDisconnectReasonCode.TopicAliasInvalid);
        }

        var inbound = AliasesOf(connection); // the receive loop's own: no lock needed
        if (!string.IsNullOrEmpty(publish.Topic))
        {
            inbound[alias] = publish.Topic;
        }
        else if (inbound.TryGetValue(alias, out var topic))
        {
            publish.Topic = topic;
        }
        else
        {
            throw new MalformedPacketException($"a PUBLISH with no topic and Topic Alias {alias}, which this connection never set (§3.3.2.3.4)",
                reasonCode: MqttDisconnectReasonCode.ProtocolError);
        }

        publish.TopicAlias = 0;
        return publish;
    }

    private Dictionary<ushort, string> AliasesOf(ClientConnection connection) =>
        (Dictionary<ushort, string>)connection.HookState.GetOrAdd(this, _ => new Dictionary<ushort, string>());
}
