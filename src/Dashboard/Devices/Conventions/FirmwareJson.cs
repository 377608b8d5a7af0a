using System.Globalization;
using System.Text.Json;

namespace Dashboard.Devices.Conventions;

/// <summary>One scalar of a firmware's JSON: its keys from the top (array elements by index), its number (booleans as 1/0) and its text.</summary>
internal readonly record struct JsonLeaf(string[] Path, double? Number, string? Text)
{
    public string Key => Path[^1];
}

/// <summary>
/// Flattens a firmware's JSON object into its scalars, for conventions that name and unit them by key (Tasmota's
/// <c>SENSOR</c>, Shelly's component status). Never throws: malformed JSON, or anything but an object, is null.
/// </summary>
internal static class FirmwareJson
{
    public const int MaxBytes = 64 * 1024;
    public const int MaxLeaves = 256;
    private const int MaxTextBytes = 256;

    private static readonly JsonReaderOptions Options = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    /// <summary>The scalars of <paramref name="json"/> from at most <paramref name="maxDepth"/> nested containers (deeper ones are skipped).</summary>
    public static List<JsonLeaf>? ReadObject(ReadOnlySpan<byte> json, int maxDepth)
    {
        json = json.Trim(" \t\r\n"u8);
        if (json.IsEmpty || json.Length > MaxBytes || json[0] != (byte)'{')
        {
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(json, Options);
            reader.Read();
            var leaves = new List<JsonLeaf>();
            ReadContainer(ref reader, [], leaves, maxDepth, isArray: false);
            return reader.Read() ? null : leaves; // the reader throws on trailing garbage; this is belt and braces
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null; // Utf8JsonReader reports malformed JSON only by throwing
        }
    }

    private static void ReadContainer(ref Utf8JsonReader reader, List<string> path, List<JsonLeaf> leaves, int depthLeft, bool isArray)
    {
        var index = 0;
        while (reader.Read() && reader.TokenType is not (JsonTokenType.EndObject or JsonTokenType.EndArray))
        {
            string key;
            if (isArray)
            {
                key = (index++).ToString(CultureInfo.InvariantCulture);
            }
            else
            {
                key = reader.GetString() ?? "";
                reader.Read();
            }

            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject or JsonTokenType.StartArray when depthLeft > 1 && leaves.Count < MaxLeaves:
                    path.Add(key);
                    ReadContainer(ref reader, path, leaves, depthLeft - 1, reader.TokenType == JsonTokenType.StartArray);
                    path.RemoveAt(path.Count - 1);
                    break;
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    reader.Skip();
                    break;
                case JsonTokenType.Number when leaves.Count < MaxLeaves && reader.TryGetDouble(out var number) && double.IsFinite(number):
                    leaves.Add(new([.. path, key], number, null));
                    break;
                case JsonTokenType.True or JsonTokenType.False when leaves.Count < MaxLeaves:
                    var on = reader.TokenType == JsonTokenType.True;
                    leaves.Add(new([.. path, key], on ? 1 : 0, on ? "true" : "false"));
                    break;
                case JsonTokenType.String when leaves.Count < MaxLeaves && reader.ValueSpan.Length <= MaxTextBytes:
                    leaves.Add(new([.. path, key], null, reader.GetString()));
                    break;
                default:
                    break;
            }
        }
    }
}

/// <summary>Small readings of firmware text: switch words and zoned times.</summary>
internal static class FirmwareText
{
    /// <summary>1 for on/true/open, 0 for off/false/close/closed (any case, trimmed), else null.</summary>
    public static double? SwitchValue(ReadOnlySpan<char> text)
    {
        text = text.Trim();
        return text.Equals("on", StringComparison.OrdinalIgnoreCase) || text.Equals("true", StringComparison.OrdinalIgnoreCase)
            || text.Equals("open", StringComparison.OrdinalIgnoreCase) ? 1
            : text.Equals("off", StringComparison.OrdinalIgnoreCase) || text.Equals("false", StringComparison.OrdinalIgnoreCase)
            || text.Equals("close", StringComparison.OrdinalIgnoreCase) || text.Equals("closed", StringComparison.OrdinalIgnoreCase) ? 0
            : null;
    }

    /// <summary>An ISO 8601 time that names its zone (<c>Z</c> or an offset), plausible against <paramref name="arrived"/>; else null.</summary>
    public static DateTimeOffset? ZonedTime(string? text, DateTimeOffset arrived)
    {
        if (text is null || text.Length < 20 || text.Length > 40 || text[4] != '-' || text[10] is not ('T' or ' '))
        {
            return null;
        }

        var zone = text.AsSpan(19);
        if (!zone.EndsWith("Z", StringComparison.OrdinalIgnoreCase) && zone.IndexOfAny('+', '-') < 0)
        {
            return null; // Tasmota's default "2024-01-01T12:00:00" is local time in an unknown zone
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
            && time.Year >= 2000 && time <= arrived.AddDays(1)
            ? time.ToUniversalTime()
            : null;
    }
}
