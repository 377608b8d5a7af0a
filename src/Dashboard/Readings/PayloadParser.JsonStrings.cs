using System.Buffers;
using System.Text.Json;

namespace Dashboard.Readings;

// JSON strings: a payload that is one string, and string values inside objects and arrays.
public static partial class PayloadParser
{
    private static readonly SearchValues<byte> AllControlBytes = SearchValues.Create(
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 127]);

    private static ParsedPayload ParseJsonString(string topic, ReadOnlySpan<byte> json)
    {
        if (json.Length < 2 || json[^1] != (byte)'"')
        {
            return UnparsedResult;
        }

        byte[]? rented = null;
        try
        {
            var reader = new Utf8JsonReader(json, JsonOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.String)
            {
                return UnparsedResult;
            }

            if (reader.ValueIsEscaped)
            {
                // Unescaping never makes a string longer, so it fits.
                rented = ArrayPool<byte>.Shared.Rent(reader.ValueSpan.Length);
            }

            _ = TryGetString(in reader, rented, out var content);
            if (reader.Read())
            {
                return UnparsedResult;
            }

            content = content.Trim(Whitespace);
            return content.IsEmpty ? EmptyResult : ParseText(topic, content);
        }
        catch (Exception ex) when (IsMalformedJson(ex))
        {
            return UnparsedResult;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The unescaped bytes of the current string token; false when too long to unescape into <paramref name="scratch"/>.</summary>
    private static bool TryGetString(in Utf8JsonReader reader, Span<byte> scratch, out ReadOnlySpan<byte> text)
    {
        if (!reader.ValueIsEscaped)
        {
            text = reader.ValueSpan;
            return true;
        }

        if (reader.ValueSpan.Length > scratch.Length)
        {
            text = default;
            return false;
        }

        text = scratch[..reader.CopyString(scratch)];
        return true;
    }

    private static bool IsShortPrintable(ReadOnlySpan<byte> text, int maxBytes) =>
        !text.IsEmpty && text.Length <= maxBytes && !text.ContainsAny(AllControlBytes);
}
