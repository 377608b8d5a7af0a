using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Dashboard.Devices;

/// <summary>
/// A device said (or its Last Will said for it) that it is online or offline. A gateway's report may speak for the
/// devices behind it: when it goes offline, every other device whose id starts with <paramref name="MembersPrefix"/>
/// takes <paramref name="MembersWhenOffline"/> (a Zigbee2MQTT bridge's devices are then unknown; a Sparkplug edge node's
/// devices are offline, as its death says).
/// </summary>
public readonly record struct PresenceReport(
    string DeviceId, bool Online, string? MembersPrefix = null, DeviceStatus MembersWhenOffline = DeviceStatus.Unknown);

/// <summary>
/// Recognises presence publishes (docs/architecture.md, "Topics and payloads"): <c>home/sensor1/status</c> = <c>online</c> says
/// device <c>home/sensor1</c> is online. Pure and allocation-free except for the device id it reports.
/// </summary>
/// <remarks>
/// <para>Where docs/architecture.md is silent:</para>
/// <list type="bullet">
/// <item>The device is the topic before its last level, exactly as published (<c>home/status</c> → <c>home</c>).
/// A topic that is only a status word (<c>status</c>, <c>/status</c>) names no device, so it is not presence.</item>
/// <item>Payloads are trimmed and compared in any case. A JSON string (<c>"online"</c>) counts like its content; a
/// JSON object counts by its top-level <c>status</c> or <c>state</c> field (key in any case; a string, or a
/// <c>true</c>/<c>false</c>/number compared by its text), the first recognised field wins, and the whole object
/// must be well-formed.</item>
/// <item>On a topic ending in <c>state</c>, and for a JSON <c>state</c> field, only unambiguous payloads count: not
/// numbers and not switch words (true/false/on/off/yes/no/open/closed), because <c>home/led/state</c> = <c>ON</c> or
/// <c>{"state":"ON"}</c> is a light's state. With the defaults that leaves online/offline/connected/disconnected.</item>
/// <item>A payload in both lists counts as online. Empty payloads (a cleared retained status) and payloads over
/// <see cref="MaxPayloadBytes"/> are not presence.</item>
/// </list>
/// </remarks>
public sealed class PresenceParser(DevicesOptions options)
{
    /// <summary>Larger payloads are not presence messages.</summary>
    public const int MaxPayloadBytes = 4096;

    private const string AmbiguousStatusWord = "state";
    private const int StackChars = 256;

    private static readonly string[] SwitchWords = ["true", "false", "on", "off", "yes", "no", "open", "closed"];

    private static readonly JsonReaderOptions JsonOptions = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    private readonly string[] _statusWords = Normalize(options.StatusWords);
    private readonly string[] _online = Normalize(options.OnlinePayloads);
    private readonly string[] _offline = Normalize(options.OfflinePayloads);
    private readonly string[] _unambiguousOnline = Unambiguous(options.OnlinePayloads);
    private readonly string[] _unambiguousOffline = Unambiguous(options.OfflinePayloads);

    private static ReadOnlySpan<byte> Whitespace => " \t\r\n"u8;

    /// <summary>True when <paramref name="payload"/> on <paramref name="topic"/> is a presence message. Never throws.</summary>
    public bool TryParse(string topic, ReadOnlySpan<byte> payload, out PresenceReport report)
    {
        report = default;
        if (string.IsNullOrEmpty(topic) || payload.IsEmpty || payload.Length > MaxPayloadBytes)
        {
            return false;
        }

        var slash = topic.LastIndexOf('/');
        if (slash <= 0)
        {
            return false;
        }

        var word = topic.AsSpan(slash + 1);
        if (!Contains(_statusWords, word))
        {
            return false;
        }

        var strict = word.Equals(AmbiguousStatusWord, StringComparison.OrdinalIgnoreCase);
        var text = payload.Trim(Whitespace);
        if (text.IsEmpty)
        {
            return false;
        }

        var online = text[0] switch
        {
            (byte)'{' => MatchJsonObject(text, strict),
            (byte)'"' => MatchJsonString(text, strict),
            _ => Match(text, strict),
        };
        if (online is null)
        {
            return false;
        }

        report = new PresenceReport(topic[..slash], online.Value);
        return true;
    }

    private bool? Match(ReadOnlySpan<byte> utf8, bool strict)
    {
        utf8 = utf8.Trim(Whitespace);
        if (utf8.IsEmpty || utf8.Length > StackChars)
        {
            return null;
        }

        // Invalid UTF-8 decodes to U+FFFD, which no configured word contains in practice.
        Span<char> buffer = stackalloc char[StackChars];
        var chars = buffer[..Encoding.UTF8.GetChars(utf8, buffer)];
        if (Contains(strict ? _unambiguousOnline : _online, chars))
        {
            return true;
        }

        return Contains(strict ? _unambiguousOffline : _offline, chars) ? false : null;
    }

    private bool? MatchJsonString(ReadOnlySpan<byte> json, bool strict)
    {
        if (json.Length < 2 || json[^1] != (byte)'"' || json.Length > StackChars)
        {
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(json, JsonOptions);
            Span<byte> scratch = stackalloc byte[StackChars];
            if (!reader.Read() || reader.TokenType != JsonTokenType.String)
            {
                return null;
            }

            var value = Unescaped(in reader, scratch);
            return reader.Read() ? null : Match(value, strict);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null; // Utf8JsonReader reports malformed JSON only by throwing
        }
    }

    private bool? MatchJsonObject(ReadOnlySpan<byte> json, bool strict)
    {
        if (json[^1] != (byte)'}')
        {
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(json, JsonOptions);
            Span<byte> scratch = stackalloc byte[StackChars];
            bool? result = null;
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var field = FieldOf(in reader, scratch);
                reader.Read();
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        reader.Skip();
                        break;
                    case JsonTokenType.String when field != Field.Other && result is null:
                        if (!reader.ValueIsEscaped || reader.ValueSpan.Length <= StackChars)
                        {
                            result = Match(Unescaped(in reader, scratch), strict || field == Field.State);
                        }

                        break;
                    case JsonTokenType.True or JsonTokenType.False or JsonTokenType.Number when field != Field.Other && result is null:
                        result = Match(reader.ValueSpan, strict || field == Field.State);
                        break;
                    default:
                        break;
                }
            }

            // The loop ends on the object's end; anything after it, or a missing end, is malformed.
            return reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == 0 && !reader.Read() ? result : null;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null; // Utf8JsonReader reports malformed JSON only by throwing
        }
    }

    private enum Field
    {
        Other,
        Status,
        State,
    }

    private static Field FieldOf(in Utf8JsonReader reader, Span<byte> scratch)
    {
        if (reader.ValueSpan.Length > scratch.Length)
        {
            return Field.Other;
        }

        var name = Unescaped(in reader, scratch);
        return Ascii.EqualsIgnoreCase(name, "status"u8) ? Field.Status
            : Ascii.EqualsIgnoreCase(name, "state"u8) ? Field.State
            : Field.Other;
    }

    /// <summary>The current string token's bytes; <paramref name="scratch"/> must hold its escaped length.</summary>
    private static ReadOnlySpan<byte> Unescaped(in Utf8JsonReader reader, Span<byte> scratch) =>
        reader.ValueIsEscaped ? scratch[..reader.CopyString(scratch)] : reader.ValueSpan;

    private static bool Contains(string[] words, ReadOnlySpan<char> candidate)
    {
        foreach (var word in words)
        {
            if (candidate.Equals(word, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static string[] Normalize(List<string>? words)
    {
        if (words is null)
        {
            return [];
        }

        var normalized = new List<string>(words.Count);
        foreach (var word in words)
        {
            var trimmed = word?.Trim();
            if (!string.IsNullOrEmpty(trimmed) && !Contains([.. normalized], trimmed))
            {
                normalized.Add(trimmed.ToLowerInvariant());
            }
        }

        return [.. normalized];
    }

    private static string[] Unambiguous(List<string>? words)
    {
        var normalized = Normalize(words);
        var kept = new List<string>(normalized.Length);
        foreach (var word in normalized)
        {
            if (!Contains(SwitchWords, word) && !double.TryParse(word, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            {
                kept.Add(word);
            }
        }

        return [.. kept];
    }
}
