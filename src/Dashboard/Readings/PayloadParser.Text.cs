using System.Buffers;
using System.Text;

namespace Dashboard.Readings;

// Text payloads: a number with an optional unit, a state word, or a short label and one number.
public static partial class PayloadParser
{
    private static ParsedPayload ParseText(string topic, ReadOnlySpan<byte> text)
    {
        var numberLength = ScanNumber(text);
        if (numberLength > 0)
        {
            return TryParseQuantity(text, numberLength, out var number, out var unit)
                ? Reading(unit is null ? PayloadKind.Number : PayloadKind.Text, topic, number, unit)
                : UnparsedResult;
        }

        if (TryMatchStateWord(text, out var on))
        {
            return Reading(PayloadKind.State, topic, on ? 1 : 0, null, Intern(text));
        }

        return TryParseLabelled(text, out var value, out var labelledUnit)
            ? Reading(PayloadKind.Text, topic, value, labelledUnit)
            : UnparsedResult;
    }

    private static ParsedPayload Reading(PayloadKind kind, string topic, double value, string? unit, string? state = null) =>
        new(kind, [new ParsedValue(MetricName(topic), value, unit)], null, state, null);

    /// <summary><c>Temperature: 23°C</c>, <c>Humidity = 45 %</c>, <c>temp 21.5</c>: a short label, then one number.</summary>
    private static bool TryParseLabelled(ReadOnlySpan<byte> text, out double value, out string? unit)
    {
        value = 0;
        unit = null;
        var head = text[..Math.Min(text.Length, MaxLabelLength + 8)];
        var separator = head.IndexOfAny((byte)':', (byte)'=');
        var start = separator >= 0 ? separator + 1 : FirstNumberAfterSpace(head);
        if (start <= 0)
        {
            return false;
        }

        var label = text[..(separator >= 0 ? separator : start)].TrimEnd(Whitespace);
        var rest = text[start..].TrimStart(Whitespace);
        return IsLabel(label) && TryParseQuantity(rest, ScanNumber(rest), out value, out unit);
    }

    private static int FirstNumberAfterSpace(ReadOnlySpan<byte> text)
    {
        for (var i = 1; i < text.Length; i++)
        {
            if (text[i - 1] is (byte)' ' or (byte)'\t' && (char.IsAsciiDigit((char)text[i]) || text[i] is (byte)'+' or (byte)'-' or (byte)'.'))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool IsLabel(ReadOnlySpan<byte> label)
    {
        if (label.IsEmpty || label.Length > MaxLabelLength)
        {
            return false;
        }

        var first = true;
        while (!label.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(label, out var rune, out var consumed) != OperationStatus.Done)
            {
                return false;
            }

            label = label[consumed..];
            var allowed = Rune.IsLetter(rune)
                || (!first && (Rune.IsDigit(rune) || rune.Value is ' ' or '\t' or '_' or '-' or '.' or '(' or ')' or '/' or '%' or 0xB0));
            if (!allowed)
            {
                return false;
            }

            first = false;
        }

        return true;
    }
}
