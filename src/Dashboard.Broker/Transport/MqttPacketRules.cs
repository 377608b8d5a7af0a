using System.Buffers.Binary;
using System.Text.Unicode;
using MQTTnet.Formatter;

namespace Dashboard.Broker.Transport;

/// <summary>
/// The protocol's own rules on a received packet that MQTTnet does not enforce: it decodes strings with
/// <c>Encoding.UTF8.GetString</c>, which turns ill-formed bytes into U+FFFD (two byte strings, one topic), and
/// it accepts reserved flags, QoS 3, packet identifier 0 and empty SUBSCRIBE/UNSUBSCRIBE. This walks the raw
/// body of the packets that carry strings, without allocating, and names the first rule broken.
/// A body too short to walk is left to MQTTnet's decoder, which refuses it.
/// </summary>
internal static partial class MqttPacketRules
{
    /// <summary>Null when the packet keeps the rules checked here, else which rule it breaks.</summary>
    public static string? Violation(byte fixedHeader, ReadOnlySpan<byte> body, MqttProtocolVersion version)
    {
        var type = fixedHeader >> 4;
        var flags = fixedHeader & 0x0F;
        var v5 = version == MqttProtocolVersion.V500;
        if (version != MqttProtocolVersion.V310 && type != 3 && flags != (type is 6 or 8 or 10 ? 2 : 0))
        {
            return type switch
            {
                8 => "SUBSCRIBE fixed header flags are not 0010 [MQTT-3.8.1-1]",
                10 => "UNSUBSCRIBE fixed header flags are not 0010 [MQTT-3.10.1-1]",
                _ => "reserved fixed header flags [MQTT-2.2.2-2]",
            };
        }

        var reader = new Reader(body);
        return type switch
        {
            1 => Connect(ref reader, v5),
            3 => Publish(ref reader, flags, v5),
            4 or 5 or 6 or 7 when v5 && body.Length > 3 => reader.Skip(3) ? Properties(ref reader) : null, // id, reason code, properties
            8 => Subscribe(ref reader, version),
            10 => Unsubscribe(ref reader, v5),
            14 or 15 when v5 && body.Length > 1 => reader.Skip(1) ? Properties(ref reader) : null, // DISCONNECT, AUTH
            _ => null,
        };
    }

    /// <summary>A UTF-8 encoded string as MQTT defines it: well-formed UTF-8 (no surrogates, no overlong forms) and no U+0000.</summary>
    public static bool IsValidString(ReadOnlySpan<byte> bytes) => Utf8.IsValid(bytes) && !bytes.Contains((byte)0);

    private const string IllFormed = "a UTF-8 string is ill-formed or contains U+0000 [MQTT-1.5.3-1] [MQTT-1.5.3-2]";

    private static string? Connect(ref Reader reader, bool v5)
    {
        if (!reader.Skip2Prefixed() || !reader.Skip(1) || !reader.Byte(out var connectFlags) || !reader.Skip(2))
        {
            return null;
        }

        if (v5 && Properties(ref reader) is { } bad)
        {
            return bad;
        }

        if (!reader.String(out var valid) || !valid) // client id
        {
            return valid ? null : IllFormed;
        }

        if ((connectFlags & 0x04) != 0)
        {
            if (v5 && Properties(ref reader) is { } badWill)
            {
                return badWill;
            }

            if (!reader.String(out valid) || !valid) // will topic
            {
                return valid ? null : IllFormed;
            }

            if (!reader.Skip2Prefixed()) // will payload
            {
                return null;
            }
        }

        return (connectFlags & 0x80) != 0 && reader.String(out valid) && !valid ? IllFormed : null; // username; the password is binary
    }

    private static string? Publish(ref Reader reader, int flags, bool v5)
    {
        var qos = (flags >> 1) & 3;
        if (qos == 3)
        {
            return "PUBLISH with QoS 3 [MQTT-3.3.1-4]";
        }

        if (!reader.String(out var valid))
        {
            return null;
        }

        if (!valid)
        {
            return IllFormed;
        }

        if (qos > 0)
        {
            if (!reader.UInt16(out var id))
            {
                return null;
            }

            if (id == 0)
            {
                return "QoS 1 or 2 PUBLISH with packet identifier 0 [MQTT-2.3.1-1]";
            }
        }

        if (!v5)
        {
            return null;
        }

        var properties = reader;
        return Properties(ref reader) ?? (FindProperty(properties, TopicAliasProperty, out var alias) && alias == 0 ? TopicAliasZero : null);
    }

    /// <summary>A PUBLISH with Topic Alias 0: a protocol error MQTT 5 answers with DISCONNECT 0x94 "topic alias invalid", not 0x81.</summary>
    public const string TopicAliasZero = "a PUBLISH with Topic Alias 0 [MQTT-3.3.2-8]";

    /// <summary>The Session Expiry Interval an MQTT 5 DISCONNECT body carries, or null when it carries none (MQTTnet decodes both as 0).</summary>
    public static uint? DisconnectSessionExpiry(ReadOnlySpan<byte> body)
    {
        var reader = new Reader(body);
        return reader.Skip(1) && FindProperty(reader, SessionExpiryProperty, out var value) ? value : null;
    }

    private const byte SessionExpiryProperty = 0x11;
    private const byte TopicAliasProperty = 0x23;

    private static string? Subscribe(ref Reader reader, MqttProtocolVersion version)
    {
        if (!reader.UInt16(out var id))
        {
            return null;
        }

        if (id == 0)
        {
            return "SUBSCRIBE with packet identifier 0 [MQTT-2.3.1-1]";
        }

        if (version == MqttProtocolVersion.V500 && Properties(ref reader) is { } bad)
        {
            return bad;
        }

        if (reader.AtEnd)
        {
            return "SUBSCRIBE without topic filters [MQTT-3.8.3-3]";
        }

        while (!reader.AtEnd)
        {
            if (!reader.String(out var valid) || !reader.Byte(out var options))
            {
                return null;
            }

            if (!valid)
            {
                return IllFormed;
            }

            var badOptions = version switch
            {
                MqttProtocolVersion.V500 => (options & 0xC0) != 0 || (options & 0x03) == 3 || (options & 0x30) == 0x30,
                MqttProtocolVersion.V311 => (options & 0xFC) != 0 || options == 3,
                _ => false,
            };
            if (badOptions)
            {
                return "SUBSCRIBE with reserved option bits or QoS 3 [MQTT-3.8.3-4] [MQTT-3.8.3-5]";
            }
        }

        return null;
    }

    private static string? Unsubscribe(ref Reader reader, bool v5)
    {
        if (!reader.UInt16(out var id))
        {
            return null;
        }

        if (id == 0)
        {
            return "UNSUBSCRIBE with packet identifier 0 [MQTT-2.3.1-1]";
        }

        if (v5 && Properties(ref reader) is { } bad)
        {
            return bad;
        }

        if (reader.AtEnd)
        {
            return "UNSUBSCRIBE without topic filters [MQTT-3.10.3-2]";
        }

        while (!reader.AtEnd)
        {
            if (!reader.String(out var valid))
            {
                return null;
            }

            if (!valid)
            {
                return IllFormed;
            }
        }

        return null;
    }

}
