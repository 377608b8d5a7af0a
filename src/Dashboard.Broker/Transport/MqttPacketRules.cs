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
internal static class MqttPacketRules
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

    /// <summary>MQTT 5 properties: the string ones are checked, the others skipped by their type.</summary>
    private static string? Properties(ref Reader reader)
    {
        if (!reader.VariableByteInteger(out var length) || !reader.Take(length, out var properties))
        {
            return null;
        }

        var inner = new Reader(properties);
        while (!inner.AtEnd)
        {
            inner.Byte(out var id);
            if (!SkipProperty(ref inner, id, out _, out var valid))
            {
                return valid ? null : IllFormed; // cut short or unknown: MQTTnet's decoder refuses it
            }
        }

        return null;
    }

    /// <summary>
    /// Finds the integer property <paramref name="wanted"/> (one, two or four bytes) in the property block <paramref name="reader"/>
    /// is at; false when absent or unreadable.
    /// </summary>
    private static bool FindProperty(Reader reader, byte wanted, out uint value)
    {
        value = 0;
        if (!reader.VariableByteInteger(out var length) || !reader.Take(length, out var properties))
        {
            return false;
        }

        var inner = new Reader(properties);
        while (!inner.AtEnd)
        {
            inner.Byte(out var id);
            if (!SkipProperty(ref inner, id, out var skipped, out _))
            {
                return false;
            }

            if (id == wanted)
            {
                foreach (var b in skipped)
                {
                    value = (value << 8) | b;
                }

                return true;
            }
        }

        return false;
    }

    /// <summary>Moves past one property's value by its type; false when it is cut short, unknown, or (<paramref name="valid"/> false) an ill-formed string.</summary>
    private static bool SkipProperty(ref Reader inner, byte id, out ReadOnlySpan<byte> value, out bool valid)
    {
        valid = true;
        value = default;
        switch (id)
        {
            case 0x01 or 0x17 or 0x19 or 0x24 or 0x25 or 0x28 or 0x29 or 0x2A:
                return inner.Take(1, out value);
            case 0x13 or 0x21 or 0x22 or 0x23:
                return inner.Take(2, out value);
            case 0x02 or 0x11 or 0x18 or 0x27:
                return inner.Take(4, out value);
            case 0x0B:
                return inner.VariableByteInteger(out _);
            case 0x09 or 0x16: // correlation data, authentication data: binary
                return inner.Skip2Prefixed();
            case 0x03 or 0x08 or 0x12 or 0x15 or 0x1A or 0x1C or 0x1F: // content type, response topic, ids, reason string…
                return inner.String(out valid) && valid;
            case 0x26: // user property: a string pair
                return inner.String(out valid) && valid && inner.String(out valid) && valid;
            default:
                return false; // an unknown property
        }
    }

    private ref struct Reader(ReadOnlySpan<byte> span)
    {
        private ReadOnlySpan<byte> _rest = span;

        public readonly bool AtEnd => _rest.IsEmpty;

        public bool Skip(int count) => Take(count, out _);

        public bool Take(int count, out ReadOnlySpan<byte> taken)
        {
            if (_rest.Length < count)
            {
                taken = default;
                return false;
            }

            taken = _rest[..count];
            _rest = _rest[count..];
            return true;
        }

        public bool Byte(out byte value)
        {
            value = _rest.IsEmpty ? (byte)0 : _rest[0];
            return Skip(1);
        }

        public bool UInt16(out ushort value)
        {
            value = 0;
            if (!Take(2, out var bytes))
            {
                return false;
            }

            value = BinaryPrimitives.ReadUInt16BigEndian(bytes);
            return true;
        }

        public bool Skip2Prefixed() => UInt16(out var length) && Skip(length);

        /// <summary>Reads a length-prefixed string; <paramref name="valid"/> says whether it is a valid MQTT string.</summary>
        public bool String(out bool valid)
        {
            valid = true;
            if (!UInt16(out var length) || !Take(length, out var bytes))
            {
                return false;
            }

            valid = IsValidString(bytes);
            return true;
        }

        public bool VariableByteInteger(out int value)
        {
            value = 0;
            var multiplier = 1;
            for (var i = 0; i < 4; i++)
            {
                if (!Byte(out var b))
                {
                    return false;
                }

                value += (b & 0x7F) * multiplier;
                if ((b & 0x80) == 0)
                {
                    return true;
                }

                multiplier *= 128;
            }

            return false;
        }
    }
}
