using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Dashboard.Broker.Admin;

/// <summary>The code a refused client was told, as its protocol version writes it.</summary>
internal static class AuditCodes
{
    /// <summary>An MQTT 5 CONNACK reason code, or the 3.1/3.1.1 CONNACK return code MQTTnet writes for it.</summary>
    public static int Connect(MqttProtocolVersion version, MqttConnectReasonCode code) => version == MqttProtocolVersion.V500
        ? (int)code
        : code switch
        {
            MqttConnectReasonCode.UnsupportedProtocolVersion => 1,
            MqttConnectReasonCode.ClientIdentifierNotValid => 2,
            MqttConnectReasonCode.ServerUnavailable or MqttConnectReasonCode.ServerBusy => 3,
            MqttConnectReasonCode.BadUserNameOrPassword => 4,
            _ => 5,
        };
}
