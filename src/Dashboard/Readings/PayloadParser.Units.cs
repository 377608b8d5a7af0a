using System.Buffers;
using System.Text;

namespace Dashboard.Readings;

// A number with its unit: 23.5°C, 45 %, 12 km/h, 3 m3.
public static partial class PayloadParser
{
    /// <summary>All of <paramref name="text"/> is its leading number, optionally followed by a unit.</summary>
    private static bool TryParseQuantity(ReadOnlySpan<byte> text, int numberLength, out double value, out string? unit)
    {
        unit = null;
        value = 0;
        if (numberLength == 0 || !TryParseDouble(text[..numberLength], out value))
        {
            return false;
        }

        if (numberLength == text.Length)
        {
            return true;
        }

        // 0x1F is hexadecimal, not zero of the unit "x1F".
        if (text[..numberLength] is [(byte)'0'] && text[numberLength] is (byte)'x' or (byte)'X')
        {
            return false;
        }

        return TryParseUnit(text[numberLength..], out unit);
    }

    private static bool TryParseUnit(ReadOnlySpan<byte> rest, out string? unit)
    {
        unit = null;
        var candidate = rest.TrimStart(" \t"u8);
        if (candidate.IsEmpty || candidate.Length > MaxUnitLength * 4)
        {
            return false;
        }

        var remaining = candidate;
        var length = 0;
        var first = true;
        var afterLetter = false;
        while (!remaining.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(remaining, out var rune, out var consumed) != OperationStatus.Done)
            {
                return false;
            }

            remaining = remaining[consumed..];
            length += rune.Utf16SequenceLength;
            var letter = (rune.IsAscii && char.IsAsciiLetter((char)rune.Value)) || rune.Value is 0xB5 or 0x3BC or 0x3A9 or 0x2126;
            if (letter)
            {
                afterLetter = true;
            }
            else if (rune.Value is '2' or '3')
            {
                // Only as a power after a letter at the very end (m2, m3): "0x1F" or "12 34" are not units.
                if (!afterLetter || !remaining.IsEmpty)
                {
                    return false;
                }
            }
            else if (rune.Value is '%' or 0xB0 or 0xB2 or 0xB3 or 0xB7 or 0x2030 or 0x2103 or 0x2109 || (rune.Value == '/' && !first))
            {
                afterLetter = false;
            }
            else
            {
                return false;
            }

            first = false;
        }

        if (length > MaxUnitLength || candidate[^1] == (byte)'/')
        {
            return false;
        }

        unit = Unit(candidate);
        return true;
    }
}
