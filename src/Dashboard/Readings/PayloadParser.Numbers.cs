using System.Globalization;

namespace Dashboard.Readings;

// Invariant numbers: sign, digits, fraction and exponent; no hex, NaN or infinities.
public static partial class PayloadParser
{
    /// <summary>Length of the number at the start of <paramref name="text"/>, or 0 when it does not start with one.</summary>
    private static int ScanNumber(ReadOnlySpan<byte> text)
    {
        var i = 0;
        if (i < text.Length && text[i] is (byte)'+' or (byte)'-')
        {
            i++;
        }

        var integerStart = i;
        i = SkipDigits(text, i);
        var hasDigits = i > integerStart;
        if (i < text.Length && text[i] == (byte)'.')
        {
            var fraction = SkipDigits(text, i + 1);
            if (hasDigits || fraction > i + 1)
            {
                hasDigits = true;
                i = fraction;
            }
        }

        if (!hasDigits)
        {
            return 0;
        }

        if (i < text.Length && (text[i] | 0x20) == (byte)'e')
        {
            var exponent = i + 1;
            if (exponent < text.Length && text[exponent] is (byte)'+' or (byte)'-')
            {
                exponent++;
            }

            var exponentEnd = SkipDigits(text, exponent);
            if (exponentEnd > exponent)
            {
                i = exponentEnd;
            }
        }

        return i;
    }

    private static int SkipDigits(ReadOnlySpan<byte> text, int i)
    {
        while (i < text.Length && char.IsAsciiDigit((char)text[i]))
        {
            i++;
        }

        return i;
    }

    private static bool TryParseDouble(ReadOnlySpan<byte> number, out double value) =>
        double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    /// <summary>The whole of <paramref name="text"/> is one finite number.</summary>
    private static bool TryParseNumber(ReadOnlySpan<byte> text, out double value)
    {
        value = 0;
        return !text.IsEmpty && ScanNumber(text) == text.Length && TryParseDouble(text, out value);
    }
}
