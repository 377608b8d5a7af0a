using MQTTnet.Exceptions;
using MQTTnet.Protocol;

namespace Dashboard.Broker.Transport;

/// <summary>
/// A packet that breaks a rule of the protocol MQTTnet does not check, thrown while it is received (by the channel or a
/// packet hook): an MQTT 5 client is told with DISCONNECT <see cref="ReasonCode"/>, and the connection is closed.
/// </summary>
internal sealed class MalformedPacketException(string message, bool isConnect = false,
    MqttDisconnectReasonCode reasonCode = MqttDisconnectReasonCode.MalformedPacket) : MqttProtocolViolationException(message)
{
    public bool IsConnect { get; } = isConnect;

    public MqttDisconnectReasonCode ReasonCode { get; } = reasonCode;
}

internal sealed class ConnectRefusedException(byte returnCode, MqttProtocolViolationException inner)
    : MqttProtocolViolationException(inner.Message)
{
    public byte ReturnCode { get; } = returnCode;
}
