using System.Buffers.Binary;
using System.Text.Unicode;
using MQTTnet.Formatter;

namespace Dashboard.Broker.Transport;

/// <summary>Walking a packet's body: its fields and MQTT 5 properties, without allocating.</summary>
internal static partial class MqttPacketRules
{
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
