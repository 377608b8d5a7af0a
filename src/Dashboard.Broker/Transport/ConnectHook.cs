using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace Dashboard.Broker.Transport;

/// <summary>
/// Reads CONNECT into the <see cref="ClientConnection"/> and fills gaps MQTTnet leaves:
/// a zero-length client id from an MQTT 3.1.1 clean session gets an assigned id (as MQTT 5's does in
/// <see cref="BrokerHost"/>); the Last Will is taken off the packet so the broker sends it itself (MQTT 5 will
/// delay, DISCONNECT 0x04, takeover); CONNACK tells MQTT 5 clients about shared subscriptions, the maximum
/// packet size, the topic alias maximum, the receive maximum, a capped session expiry and the server's keep-alive.
/// A DISCONNECT may change the session expiry; a client that asked for no problem information gets no reason string
/// or user properties on anything but PUBLISH, CONNACK and DISCONNECT [MQTT-3.1.2-29].
/// </summary>
internal sealed class ConnectHook(IOptions<BrokerOptions> options) : IMqttPacketHook
{
    public static string NewClientId() => "auto-" + Guid.NewGuid().ToString("N");

    public MqttPacket? Received(ClientConnection connection, MqttPacket packet)
    {
        switch (packet)
        {
            case MqttConnectPacket connect:
                OnConnect(connection, connect);
                break;
            case MqttSubscribePacket subscribe when connection.IsBridge:
                AsBridge(subscribe);
                break;
            case MqttDisconnectPacket disconnect:
                OnDisconnect(connection);
                connection.ClientDisconnect = disconnect;
                break;
        }

        return packet;
    }

    public MqttPacket Sending(ClientConnection connection, MqttPacket packet)
    {
        if (connection.ProtocolVersion != MqttProtocolVersion.V500)
        {
            return packet;
        }

        if (!connection.RequestProblemInformation)
        {
            WithoutProblemInformation(packet);
        }

        if (packet is MqttConnAckPacket connAck)
        {
            connAck.SharedSubscriptionAvailable = true;
            connAck.MaximumPacketSize = (uint)options.Value.MaxPacketSize;
            connAck.TopicAliasMaximum = (ushort)options.Value.TopicAliasMaximum; // 0: the property is left out, so no aliases
            connAck.ReceiveMaximum = (ushort)options.Value.ReceiveMaximum;
            if (connection.RequestedSessionExpiry != connection.SessionExpirySeconds)
            {
                connAck.SessionExpiryInterval = connection.SessionExpirySeconds;
            }

            if (connection.ServerKeepAlive is { } keepAlive)
            {
                connAck.ServerKeepAlive = keepAlive;
            }
        }

        return packet;
    }

    /// <summary>
    /// A bridge is not sent back what it published (else a topic bridged both ways would come back to where it started)
    /// and gets each message's retain flag as published (so retained messages stay retained across it), as Mosquitto
    /// treats a bridge. A shared subscription cannot be No Local [MQTT-3.8.3-4]: those are left as asked.
    /// </summary>
    private static void AsBridge(MqttSubscribePacket subscribe)
    {
        foreach (var filter in subscribe.TopicFilters)
        {
            if (!filter.Topic.StartsWith(Shared.SharedSubscriptions.Prefix, StringComparison.Ordinal))
            {
                filter.NoLocal = true;
                filter.RetainAsPublished = true;
            }
        }
    }

    private void OnConnect(ClientConnection connection, MqttConnectPacket connect)
    {
        var version = connection.ProtocolVersion;
        if (string.IsNullOrEmpty(connect.ClientId) && version == MqttProtocolVersion.V311 && connect.CleanSession)
        {
            connect.ClientId = NewClientId();
        }

        connection.ClientId = connect.ClientId ?? "";
        connection.Connect = connect;
        connection.UserName = connect.Username;
        connection.IsBridge = connect.TryPrivate && version != MqttProtocolVersion.V500;
        connection.CleanStart = connect.CleanSession;
        LimitKeepAlive(connection, connect);
        connection.KeepAliveSeconds = connect.KeepAlivePeriod;
        connection.MaxPacketSize = version == MqttProtocolVersion.V500 ? connect.MaximumPacketSize : 0;
        connection.RequestProblemInformation = version != MqttProtocolVersion.V500 || connect.RequestProblemInformation;
        if (version == MqttProtocolVersion.V500 && connect.ReceiveMaximum is > 0 and < ushort.MaxValue)
        {
            connection.SendWindow = new SendWindow(connect.ReceiveMaximum);
        }

        if (version == MqttProtocolVersion.V500 && connect.TopicAliasMaximum > 0 && options.Value.SendTopicAliases)
        {
            connection.OutboundAliases = new OutboundTopicAliases(connect.TopicAliasMaximum);
        }
        connection.RequestedSessionExpiry = version == MqttProtocolVersion.V500 ? connect.SessionExpiryInterval : 0;
        connection.SessionExpirySeconds = version == MqttProtocolVersion.V500
            ? Cap(connect.SessionExpiryInterval)
            : connect.CleanSession ? 0 : Cap(uint.MaxValue);

        if (connect.WillFlag)
        {
            if (!MqttTopic.IsValidTopicName(connect.WillTopic))
            {
                if (version != MqttProtocolVersion.V500)
                {
                    throw new MQTTnet.Exceptions.MqttProtocolViolationException($"Will topic '{connect.WillTopic}' is not a valid topic name.");
                }

                // MQTT 5 has a reason code for it, given when the CONNECT is validated: 0x90, Topic Name invalid.
                connection.InvalidWillTopic = connect.WillTopic ?? "";
                connect.WillFlag = false;
                return;
            }

            connection.Will = new MqttApplicationMessage
            {
                Topic = connect.WillTopic,
                PayloadSegment = connect.WillMessage ?? [],
                QualityOfServiceLevel = connect.WillQoS,
                Retain = connect.WillRetain,
                ContentType = connect.WillContentType,
                ResponseTopic = connect.WillResponseTopic,
                CorrelationData = connect.WillCorrelationData,
                PayloadFormatIndicator = connect.WillPayloadFormatIndicator,
                MessageExpiryInterval = connect.WillMessageExpiryInterval,
                UserProperties = connect.WillUserProperties,
            };
            connection.WillDelaySeconds = connect.WillDelayInterval;
            connection.WillTopicAtConnect = connect.WillTopic;
            connect.WillFlag = false;
        }
    }

    /// <summary>
    /// An MQTT 5 DISCONNECT's Session Expiry Interval replaces CONNECT's, 0 included (the session then ends now). Setting one
    /// when CONNECT's was 0 is a protocol error (§3.14.2.2.2): not a valid DISCONNECT, so the will is sent too.
    /// </summary>
    private void OnDisconnect(ClientConnection connection)
    {
        if (connection.DisconnectSessionExpiry is not { } expiry)
        {
            return;
        }

        if (connection.RequestedSessionExpiry == 0 && expiry > 0)
        {
            throw new MalformedPacketException($"DISCONNECT sets Session Expiry Interval {expiry} s after CONNECT set none (§3.14.2.2.2)",
                reasonCode: MqttDisconnectReasonCode.ProtocolError);
        }

        connection.SessionExpirySeconds = Cap(expiry);
        if (connection.Connect is { } connect)
        {
            connect.SessionExpiryInterval = expiry; // MQTTnet reads a DISCONNECT's 0 as absent, and CONNECT's value then
        }
    }

    /// <summary>[MQTT-3.1.2-29]: Request Problem Information 0 keeps reason strings and user properties off every other packet.</summary>
    private static void WithoutProblemInformation(MqttPacket packet)
    {
        switch (packet)
        {
            case MqttPubAckPacket ack:
                (ack.ReasonString, ack.UserProperties) = (null, null);
                break;
            case MqttPubRecPacket rec:
                (rec.ReasonString, rec.UserProperties) = (null, null);
                break;
            case MqttPubRelPacket rel:
                (rel.ReasonString, rel.UserProperties) = (null, null);
                break;
            case MqttPubCompPacket comp:
                (comp.ReasonString, comp.UserProperties) = (null, null);
                break;
            case MqttSubAckPacket subAck:
                (subAck.ReasonString, subAck.UserProperties) = (null, null);
                break;
            case MqttUnsubAckPacket unsubAck:
                (unsubAck.ReasonString, unsubAck.UserProperties) = (null, null);
                break;
            case MqttAuthPacket auth:
                (auth.ReasonString, auth.UserProperties) = (null, null);
                break;
        }
    }

    /// <summary>Broker:MaxKeepAlive: MQTT 5 clients are given the server's value [MQTT-3.2.2-21], MQTT 3.x clients refused.</summary>
    private void LimitKeepAlive(ClientConnection connection, MqttConnectPacket connect)
    {
        var max = (ushort)options.Value.MaxKeepAlive.TotalSeconds;
        if (max == 0 || (connect.KeepAlivePeriod > 0 && connect.KeepAlivePeriod <= max))
        {
            return;
        }

        if (connection.ProtocolVersion != MqttProtocolVersion.V500)
        {
            throw new ConnectRefusedException(2, new MQTTnet.Exceptions.MqttProtocolViolationException(
                $"Keep-alive {connect.KeepAlivePeriod} s is beyond Broker:MaxKeepAlive ({max} s), and MQTT 3.x cannot be told another."));
        }

        connect.KeepAlivePeriod = max; // MQTTnet's keep-alive monitor reads it from here
        connection.ServerKeepAlive = max;
    }

    private uint Cap(uint seconds) => (uint)Math.Min(seconds, options.Value.MaxSessionExpiry.TotalSeconds);
}
