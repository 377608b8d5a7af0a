using System.Buffers;
using MQTTnet.Exceptions;

namespace Dashboard.Broker.Transport;

/// <summary>Reads an MQTT fixed header: the first byte and the "remaining length" variable byte integer.</summary>
internal static class MqttFrame
{
    /// <summary>
    /// True when <paramref name="input"/> starts with a whole fixed header; the body may still be incomplete.
    /// Throws as soon as the announced size is over <paramref name="maxPacketSize"/>, so such a packet is never buffered.
    /// </summary>
    public static bool TryReadHeader(in ReadOnlySequence<byte> input, int maxPacketSize, out int headerLength, out int bodyLength)
    {
        headerLength = 0;
        bodyLength = 0;
        Span<byte> header = stackalloc byte[5];
        var available = (int)Math.Min(5, input.Length);
        input.Slice(0, available).CopyTo(header);

        var multiplier = 1;
        var value = 0;
        for (var i = 1; i < available; i++)
        {
            var b = header[i];
            value += (b & 0x7F) * multiplier;
            if ((b & 0x80) == 0)
            {
                headerLength = i + 1;
                bodyLength = value;
                if ((long)headerLength + bodyLength > maxPacketSize)
                {
                    throw new MqttPacketTooLargeException(headerLength + (long)bodyLength, maxPacketSize);
                }

                return true;
            }

            if (i == 4)
            {
                throw new MqttProtocolViolationException("Malformed remaining length: more than four bytes.");
            }

            multiplier *= 128;
        }

        // Partial length: refuse early if even the bytes seen so far announce too much.
        if (value > maxPacketSize)
        {
            throw new MqttPacketTooLargeException(value, maxPacketSize);
        }

        return false;
    }
}

internal sealed class MqttPacketTooLargeException(long size, int max)
    : MqttProtocolViolationException($"Packet of {size} bytes is over the maximum packet size of {max} bytes.")
{
    public long Size { get; } = size;
}
