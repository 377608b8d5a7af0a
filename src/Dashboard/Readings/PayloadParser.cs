using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Dashboard.Readings;

/// <summary>
/// Turns an MQTT payload into readings. Pure, never throws, and runs on the ingestion thread for every publish,
/// so it parses UTF-8 in place and allocates little more than the strings it returns.
/// </summary>
/// <remarks>
/// <para>DESIGN.md ("Topics and payloads") is the contract. Where it is silent:</para>
/// <list type="bullet">
/// <item>Before anything else: a UTF-8 byte order mark and trailing NUL bytes (a C string sent with its terminator)
/// are dropped; then a payload with invalid UTF-8 or a control character other than tab/CR/LF is binary, so
/// <see cref="PayloadKind.Unparsed"/>; leading and trailing whitespace is ignored; only whitespace is
/// <see cref="PayloadKind.Empty"/>.</item>
/// <item>A single value's metric is the topic's last non-empty level (<c>home/livingroom/temperature</c> →
/// <c>temperature</c>; <c>home/temp/</c> → <c>temp</c>; an empty topic → <c>value</c>).</item>
/// <item>Numbers are invariant: optional <c>+</c>/<c>-</c>, digits with an optional <c>.</c> fraction (<c>.5</c> and
/// <c>5.</c> too), optional exponent. <c>23,5</c> is not a number (a comma is as often a thousands or list separator).
/// No hex, no <c>NaN</c>/<c>Infinity</c>; a number that overflows (<c>1e999</c>) is not a reading.</item>
/// <item>A unit follows the number with or without spaces: at most <see cref="MaxUnitLength"/> characters of letters,
/// <c>° % / µ Ω ² ³ ‰ ·</c>, and one final <c>2</c>/<c>3</c> after a letter (<c>m3</c>); it cannot start or end with <c>/</c>.
/// Anything else after the number (<c>,</c>, a second number, words) means the text is not a reading.</item>
/// <item>A label before the number is at most <see cref="MaxLabelLength"/> bytes, starts with a letter, and is followed
/// by <c>:</c>, <c>=</c> or whitespace; it is dropped (the metric is still the topic's last level). So
/// <c>error 42 on line 7</c>, <c>12:30</c>, <c>1.2.3</c> and <c>T: 23°C, H: 45%</c> are <see cref="PayloadKind.Unparsed"/>.</item>
/// <item>State words (any case) carry one 1/0 value: <c>on</c>/<c>off</c>, <c>true</c>/<c>false</c>, <c>yes</c>/<c>no</c>
/// and <c>open</c>/<c>closed</c> (Home Assistant's cover and door convention: open is "on").
/// <c>online</c>/<c>offline</c> are presence, not states (the presence parser reads them), so they are Unparsed here.
/// <c>1</c>/<c>0</c> are numbers.</item>
/// <item>A JSON string is parsed like a text payload with its content (<c>"23.5"</c> → Number, <c>"ON"</c> → State).</item>
/// <item>JSON objects: each number, boolean (1/0) or numeric string (strictly a number, no unit) is a metric named by
/// its path (<c>env.temp</c>, <c>t.0</c>), keys as sent. At most <see cref="MaxValues"/> values (the rest are
/// ignored) from at most <see cref="MaxDepth"/> nested containers (deeper ones are skipped); JSON nested deeper than
/// 64 levels is malformed. Trailing commas and comments are tolerated (hand-built JSON on microcontrollers).</item>
/// <item>Reserved keys are matched in any case. At any depth, <c>timestamp</c>/<c>time</c>/<c>ts</c> and
/// <c>sensor_id</c>/<c>device_id</c>/<c>device</c> (also <c>sensorId</c>/<c>deviceId</c>) are never metrics, and their
/// objects and arrays are skipped (device information is not a reading). At the top level they are the time and
/// the device hint (string, or a number's text), the first usable one wins.</item>
/// <item>Top level only: <c>value</c>/<c>val</c> is named after the topic's last level and takes the top-level
/// <c>unit</c> string (kept as sent, e.g. <c>celsius</c>); other fields stay metrics of their own. A
/// <c>status</c>/<c>state</c> string is the <see cref="ParsedPayload.State"/>; if it is a state word it is also a
/// 1/0 metric named by its key. Other strings are ignored. The kind is Json with values, else State with a state,
/// else Unparsed (time and device hint are still returned).</item>
/// <item>Times: epoch seconds (integer or fraction), milliseconds (above 1e11), microseconds (above 1e14),
/// nanoseconds (above 1e17) as numbers or numeric strings, kept to the millisecond; or ISO 8601 strings
/// (<c>2024-05-01T12:00:00Z</c>, <c>2024-05-01 12:00:00</c>; no offset means UTC). Before 2000-01-01 or more than
/// a day ahead of now is no time (null).</item>
/// <item>A top-level JSON array is a reading too: its elements are named by the topic's last level and their
/// index (<c>[1,2]</c> on <c>sensors/accel</c> → <c>accel.0</c>, <c>accel.1</c>).</item>
/// <item>Malformed JSON (including <c>NaN</c> in JSON) yields no values at all, not the values read before the error.</item>
/// </list>
/// </remarks>
public static class PayloadParser
{
    /// <summary>Larger payloads are <see cref="PayloadKind.Unparsed"/> without being looked at.</summary>
    public const int MaxParsedBytes = 64 * 1024;

    /// <summary>At most this many values are taken from one JSON payload.</summary>
    public const int MaxValues = 64;

    /// <summary>Values are taken from at most this many nested JSON containers, the outermost included.</summary>
    public const int MaxDepth = 8;

    /// <summary>Longest unit, in UTF-16 characters.</summary>
    public const int MaxUnitLength = 16;

    /// <summary>Longest label before a number (<c>Temperature: </c>), in UTF-8 bytes.</summary>
    public const int MaxLabelLength = 32;

    private const int MaxHintBytes = 128;
    private const int MaxStateBytes = 64;
    private const int MaxTimeBytes = 64;
    private const int StringScratchBytes = 512;
    private const int PathSlack = (MaxDepth + 2) * 12;
    private const long MinTimeMilliseconds = 946_684_800_000; // 2000-01-01T00:00:00Z
    private const long FutureToleranceMilliseconds = 86_400_000;

    private static readonly ParsedPayload EmptyResult = new(PayloadKind.Empty, [], null, null, null);
    private static readonly ParsedPayload UnparsedResult = new(PayloadKind.Unparsed, [], null, null, null);

    private static readonly JsonReaderOptions JsonOptions = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
        MaxDepth = 64,
    };

    // Control characters other than tab, LF and CR mark a payload as binary.
    private static readonly SearchValues<byte> BinaryBytes = SearchValues.Create(
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 127]);

    private static readonly SearchValues<byte> AllControlBytes = SearchValues.Create(
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 127]);

    // Units and state words that arrive all the time are returned as these instances instead of new strings.
    private static readonly string[] KnownStrings =
    [
        "°C", "°F", "°", "%", "K", "hPa", "Pa", "kPa", "mbar", "bar", "V", "mV", "A", "mA", "W", "kW", "Wh", "kWh",
        "Hz", "lx", "ppm", "ppb", "dB", "dBm", "m/s", "km/h", "mm", "cm", "m", "s", "ms", "g", "kg", "L", "µg/m³",
        "m³", "celsius", "fahrenheit",
        "ON", "OFF", "on", "off", "On", "Off", "true", "false", "True", "False", "TRUE", "FALSE",
        "yes", "no", "open", "closed", "OPEN", "CLOSED",
    ];

    private static readonly byte[][] KnownUtf8 = Array.ConvertAll(KnownStrings, Encoding.UTF8.GetBytes);

    // One scratch array per thread for JSON values; the result gets an exact-size copy.
    [ThreadStatic]
    private static ParsedValue[]? _valueScratch;

    private static ReadOnlySpan<byte> Whitespace => " \t\r\n"u8;

    private enum Field
    {
        Plain,
        Time,
        Device,
        State,
        Value,
        Unit,
    }

    /// <summary>Parses <paramref name="payload"/> published on <paramref name="topic"/>, judging times against the clock.</summary>
    public static ParsedPayload Parse(string topic, ReadOnlySpan<byte> payload) =>
        Parse(topic, payload, DateTimeOffset.UtcNow);

    /// <summary>Parses <paramref name="payload"/>; a reading's time may be at most a day after <paramref name="now"/>.</summary>
    public static ParsedPayload Parse(string topic, ReadOnlySpan<byte> payload, DateTimeOffset now)
    {
        topic ??= string.Empty;
        if (payload.IsEmpty)
        {
            return EmptyResult;
        }

        if (payload.Length > MaxParsedBytes)
        {
            return UnparsedResult;
        }

        if (payload.StartsWith("\uFEFF"u8))
        {
            payload = payload[3..];
        }

        payload = payload.TrimEnd((byte)0);
        if (payload.ContainsAny(BinaryBytes) || !Utf8.IsValid(payload))
        {
            return UnparsedResult;
        }

        var text = payload.Trim(Whitespace);
        if (text.IsEmpty)
        {
            return EmptyResult;
        }

        return text[0] switch
        {
            (byte)'{' or (byte)'[' => ParseJson(topic, text, now),
            (byte)'"' => ParseJsonString(topic, text),
            _ => ParseText(topic, text),
        };
    }

    /// <summary>The metric of a single-valued payload: the topic's last non-empty level.</summary>
    internal static string MetricName(string topic)
    {
        var trimmed = topic.AsSpan().TrimEnd('/');
        if (trimmed.IsEmpty)
        {
            return "value";
        }

        var slash = trimmed.LastIndexOf('/');
        return slash < 0 && trimmed.Length == topic.Length ? topic : new string(trimmed[(slash + 1)..]);
    }

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
            return new ParsedPayload(PayloadKind.State, [new ParsedValue(MetricName(topic), on ? 1 : 0, null)], null, Intern(text), null);
        }

        return TryParseLabelled(text, out var value, out var labelledUnit)
            ? Reading(PayloadKind.Text, topic, value, labelledUnit)
            : UnparsedResult;
    }

    private static ParsedPayload Reading(PayloadKind kind, string topic, double value, string? unit) =>
        new(kind, [new ParsedValue(MetricName(topic), value, unit)], null, null, null);

    /// <summary>Length of the number at the start of <paramref name="text"/>, or 0 when it does not start with one.</summary>
    private static int ScanNumber(ReadOnlySpan<byte> text)
    {
        var i = 0;
        if (i < text.Length && text[i] is (byte)'+' or (byte)'-')
        {
            i++;
        }

        var integerStart = i;
        while (i < text.Length && char.IsAsciiDigit((char)text[i]))
        {
            i++;
        }

        var hasDigits = i > integerStart;
        if (i < text.Length && text[i] == (byte)'.')
        {
            var fraction = i + 1;
            while (fraction < text.Length && char.IsAsciiDigit((char)text[fraction]))
            {
                fraction++;
            }

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

            var exponentDigits = exponent;
            while (exponent < text.Length && char.IsAsciiDigit((char)text[exponent]))
            {
                exponent++;
            }

            if (exponent > exponentDigits)
            {
                i = exponent;
            }
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

        unit = Intern(candidate);
        return true;
    }

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

    private static bool TryMatchStateWord(ReadOnlySpan<byte> text, out bool on)
    {
        on = true;
        if (Ascii.EqualsIgnoreCase(text, "on"u8) || Ascii.EqualsIgnoreCase(text, "true"u8)
            || Ascii.EqualsIgnoreCase(text, "yes"u8) || Ascii.EqualsIgnoreCase(text, "open"u8))
        {
            return true;
        }

        on = false;
        return Ascii.EqualsIgnoreCase(text, "off"u8) || Ascii.EqualsIgnoreCase(text, "false"u8)
            || Ascii.EqualsIgnoreCase(text, "no"u8) || Ascii.EqualsIgnoreCase(text, "closed"u8);
    }

    private static string Intern(ReadOnlySpan<byte> utf8)
    {
        var known = KnownUtf8;
        for (var i = 0; i < known.Length; i++)
        {
            if (utf8.SequenceEqual(known[i]))
            {
                return KnownStrings[i];
            }
        }

        return Encoding.UTF8.GetString(utf8);
    }

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

            ReadOnlySpan<byte> content;
            if (reader.ValueIsEscaped)
            {
                rented = ArrayPool<byte>.Shared.Rent(reader.ValueSpan.Length);
                content = rented.AsSpan(0, reader.CopyString(rented));
            }
            else
            {
                content = reader.ValueSpan;
            }

            if (reader.Read())
            {
                return UnparsedResult;
            }

            content = content.Trim(Whitespace);
            return content.IsEmpty ? EmptyResult : ParseText(topic, content);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Utf8JsonReader reports malformed JSON (and invalid escapes) only by throwing.
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

    private static ParsedPayload ParseJson(string topic, ReadOnlySpan<byte> json, DateTimeOffset now)
    {
        var rootIsArray = json[0] == (byte)'[';
        if (json[^1] != (rootIsArray ? (byte)']' : (byte)'}'))
        {
            return UnparsedResult; // most truncated payloads, without the cost of an exception
        }

        var topicMetric = rootIsArray ? MetricName(topic) : null;
        var path = ArrayPool<char>.Shared.Rent(json.Length + topic.Length + PathSlack);
        var values = _valueScratch ??= new ParsedValue[MaxValues];
        var count = 0;
        var pathLength = 0;
        var valueSlot = -1;

        void Add(double value, Field field)
        {
            if (count >= MaxValues)
            {
                return;
            }

            string metric;
            if ((field == Field.Value && valueSlot < 0) || pathLength == 0)
            {
                metric = topicMetric ??= MetricName(topic);
                if (field == Field.Value && valueSlot < 0)
                {
                    valueSlot = count;
                }
            }
            else
            {
                metric = new string(path, 0, pathLength);
            }

            values[count++] = new ParsedValue(metric, value, null);
        }

        try
        {
            var reader = new Utf8JsonReader(json, JsonOptions);
            if (!reader.Read())
            {
                return UnparsedResult;
            }

            Span<int> baseLength = stackalloc int[MaxDepth];
            Span<int> nextIndex = stackalloc int[MaxDepth];
            Span<byte> stringScratch = stackalloc byte[StringScratchBytes];
            Span<char> timeScratch = stackalloc char[MaxTimeBytes];
            if (topicMetric is not null)
            {
                topicMetric.CopyTo(path);
                pathLength = topicMetric.Length;
            }

            baseLength[0] = pathLength;
            nextIndex[0] = 0;
            var depth = 1;
            DateTimeOffset? time = null;
            string? state = null;
            string? hint = null;
            string? unit = null;

            while (depth > 0)
            {
                if (!reader.Read())
                {
                    return UnparsedResult;
                }

                var token = reader.TokenType;
                if (token is JsonTokenType.EndObject or JsonTokenType.EndArray)
                {
                    depth--;
                    continue;
                }

                var level = depth - 1;
                var topLevel = depth == 1 && !rootIsArray;
                var field = Field.Plain;
                pathLength = baseLength[level];
                if (pathLength > 0)
                {
                    path[pathLength++] = '.';
                }

                if (token == JsonTokenType.PropertyName)
                {
                    var nameLength = reader.CopyString(path.AsSpan(pathLength));
                    field = Classify(path.AsSpan(pathLength, nameLength), topLevel);
                    pathLength += nameLength;
                    if (!reader.Read())
                    {
                        return UnparsedResult;
                    }

                    token = reader.TokenType;
                }
                else
                {
                    nextIndex[level].TryFormat(path.AsSpan(pathLength), out var written, default, CultureInfo.InvariantCulture);
                    nextIndex[level]++;
                    pathLength += written;
                }

                switch (token)
                {
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        if (depth >= MaxDepth || field is Field.Time or Field.Device)
                        {
                            reader.Skip();
                        }
                        else
                        {
                            baseLength[depth] = pathLength;
                            nextIndex[depth] = 0;
                            depth++;
                        }

                        break;

                    case JsonTokenType.Number:
                        if (field == Field.Time)
                        {
                            if (topLevel && time is null && reader.TryGetDouble(out var epoch))
                            {
                                time = FromEpoch(epoch, now);
                            }
                        }
                        else if (field == Field.Device)
                        {
                            if (topLevel && hint is null && reader.ValueSpan.Length <= MaxHintBytes)
                            {
                                hint = Encoding.UTF8.GetString(reader.ValueSpan);
                            }
                        }
                        else if (reader.TryGetDouble(out var number) && double.IsFinite(number))
                        {
                            Add(number, field);
                        }

                        break;

                    case JsonTokenType.True or JsonTokenType.False:
                        if (field is not (Field.Time or Field.Device))
                        {
                            Add(token == JsonTokenType.True ? 1 : 0, field);
                        }

                        break;

                    case JsonTokenType.String:
                        if (!TryGetString(in reader, stringScratch, out var text))
                        {
                            break;
                        }

                        text = text.Trim(Whitespace);
                        switch (field)
                        {
                            case Field.Time:
                                if (topLevel)
                                {
                                    time ??= ParseTime(text, timeScratch, now);
                                }

                                break;
                            case Field.Device:
                                if (topLevel && hint is null && IsShortPrintable(text, MaxHintBytes))
                                {
                                    hint = Encoding.UTF8.GetString(text);
                                }

                                break;
                            case Field.State:
                                if (state is null && IsShortPrintable(text, MaxStateBytes))
                                {
                                    state = Intern(text);
                                    if (TryMatchStateWord(text, out var on))
                                    {
                                        Add(on ? 1 : 0, field);
                                    }
                                }

                                break;
                            case Field.Unit:
                                if (unit is null && IsShortPrintable(text, MaxUnitLength * 4))
                                {
                                    unit = Intern(text);
                                }

                                break;
                            default:
                                if (TryParseNumber(text, out var numeric))
                                {
                                    Add(numeric, field);
                                }

                                break;
                        }

                        break;

                    default:
                        break; // null
                }
            }

            if (reader.Read())
            {
                return UnparsedResult;
            }

            if (valueSlot >= 0 && unit is not null && unit.Length <= MaxUnitLength)
            {
                values[valueSlot] = values[valueSlot] with { Unit = unit };
            }

            var kind = count > 0 ? PayloadKind.Json : state is not null ? PayloadKind.State : PayloadKind.Unparsed;
            if (kind == PayloadKind.Unparsed && time is null && hint is null)
            {
                return UnparsedResult;
            }

            return new ParsedPayload(kind, count == 0 ? [] : values.AsSpan(0, count).ToArray(), time, state, hint);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Utf8JsonReader reports malformed JSON (and invalid escapes) only by throwing.
            return UnparsedResult;
        }
        finally
        {
            values.AsSpan(0, count).Clear();
            ArrayPool<char>.Shared.Return(path);
        }
    }

    private static Field Classify(ReadOnlySpan<char> name, bool topLevel)
    {
        if (Is(name, "timestamp") || Is(name, "time") || Is(name, "ts"))
        {
            return Field.Time;
        }

        if (Is(name, "sensor_id") || Is(name, "device_id") || Is(name, "device") || Is(name, "sensorid") || Is(name, "deviceid"))
        {
            return Field.Device;
        }

        if (!topLevel)
        {
            return Field.Plain;
        }

        if (Is(name, "state") || Is(name, "status"))
        {
            return Field.State;
        }

        if (Is(name, "value") || Is(name, "val"))
        {
            return Field.Value;
        }

        return Is(name, "unit") ? Field.Unit : Field.Plain;

        static bool Is(ReadOnlySpan<char> name, string key) => name.Equals(key, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The unescaped bytes of the current string token; false when too long to unescape on the stack.</summary>
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

    private static DateTimeOffset? ParseTime(ReadOnlySpan<byte> text, Span<char> scratch, DateTimeOffset now)
    {
        if (text.IsEmpty || text.Length > scratch.Length)
        {
            return null;
        }

        if (TryParseNumber(text, out var epoch))
        {
            return FromEpoch(epoch, now);
        }

        // ISO 8601 only: DateTimeOffset.TryParse alone would also take "5/6/2024" or "Monday".
        if (text.Length < 10 || !char.IsAsciiDigit((char)text[0]) || !char.IsAsciiDigit((char)text[3]) || text[4] != (byte)'-' || text[7] != (byte)'-')
        {
            return null;
        }

        var chars = scratch[..Encoding.UTF8.GetChars(text, scratch)];
        if (!DateTimeOffset.TryParse(chars, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return null;
        }

        var milliseconds = time.ToUnixTimeMilliseconds();
        return IsPlausible(milliseconds, now) ? time.ToUniversalTime() : null;
    }

    private static DateTimeOffset? FromEpoch(double epoch, DateTimeOffset now)
    {
        if (!double.IsFinite(epoch) || epoch <= 0)
        {
            return null;
        }

        var milliseconds = epoch switch
        {
            < 1e11 => epoch * 1e3,
            < 1e14 => epoch,
            < 1e17 => epoch / 1e3,
            _ => epoch / 1e6,
        };
        var rounded = Math.Round(milliseconds);
        if (rounded < MinTimeMilliseconds || rounded > now.ToUnixTimeMilliseconds() + FutureToleranceMilliseconds)
        {
            return null;
        }

        return DateTimeOffset.FromUnixTimeMilliseconds((long)rounded);
    }

    private static bool IsPlausible(long milliseconds, DateTimeOffset now) =>
        milliseconds >= MinTimeMilliseconds && milliseconds <= now.ToUnixTimeMilliseconds() + FutureToleranceMilliseconds;
}
