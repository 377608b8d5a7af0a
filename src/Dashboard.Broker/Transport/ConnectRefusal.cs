using System.Buffers.Binary;

namespace Dashboard.Broker.Transport;

/// <summary>
/// MQTTnet closes the connection on a CONNECT it cannot decode without a word. MQTT 3.1/3.1.1 ask for a
/// CONNACK with a return code first: 0x01 for a protocol level the server does not speak (§3.1.2.2),
/// 0x02 for an empty client id without clean session (§3.1.3.1). This reads those two cases from the raw body.
/// </summary>
internal static class ConnectRefusal
{
    public const byte UnacceptableProtocolVersion = 0x01;
    public const byte IdentifierRejected = 0x02;

    public static byte? ReturnCodeFor(ReadOnlySpan<byte> body)
    {
        if (body.Length < 2)
        {
            return null;
        }

        var nameLength = BinaryPrimitives.ReadUInt16BigEndian(body);
        var afterHeader = 2 + nameLength + 4; // name, level, flags, keep alive
        if (body.Length < afterHeader + 2)
        {
            return null;
        }

        var name = body.Slice(2, nameLength);
        var level = body[2 + nameLength] & 0x7F;
        var cleanSession = (body[3 + nameLength] & 0x02) != 0;
        var isMqtt = name.SequenceEqual("MQTT"u8);
        if (!isMqtt && !name.SequenceEqual("MQIsdp"u8))
        {
            return null; // not MQTT at all: just close
        }

        if (isMqtt ? level is not (4 or 5) : level != 3)
        {
            return UnacceptableProtocolVersion;
        }

        var clientIdLength = BinaryPrimitives.ReadUInt16BigEndian(body[afterHeader..]);
        return clientIdLength == 0 && !cleanSession && level != 5 ? IdentifierRejected : null;
    }
}
