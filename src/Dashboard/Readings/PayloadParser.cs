using System.Buffers;
using System.Text.Unicode;

namespace Dashboard.Readings;

/// <summary>
/// Turns an MQTT payload into readings. Pure, never throws, and runs on the ingestion thread for every publish,
/// so it parses UTF-8 in place and allocates little more than the strings it returns.
/// </summary>
/// <remarks>
/// <para>docs/architecture.md ("Topics and payloads") is the contract. Where it is silent:</para>
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
/// with a zone (<c>2024-05-01T12:00:00Z</c>, <c>2024-05-01 14:00:00+02:00</c>); without one it is the device's local time,
/// which the dashboard cannot know, so no time (the arrival time is used). Before 2000-01-01 (a duration or a counter
/// more likely than a time) or more than a century ahead of now is no time (null). Ingestion then uses the time only
/// within <c>Ingestion:PayloadTimeWindow</c> of the arrival.</item>
/// <item>A top-level JSON array is a reading too: its elements are named by the topic's last level and their
/// index (<c>[1,2]</c> on <c>sensors/accel</c> → <c>accel.0</c>, <c>accel.1</c>).</item>
/// <item>Malformed JSON (including <c>NaN</c> in JSON) yields no values at all, not the values read before the error.</item>
/// </list>
/// </remarks>
public static partial class PayloadParser
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

    private static readonly ParsedPayload EmptyResult = new(PayloadKind.Empty, [], null, null, null);
    private static readonly ParsedPayload UnparsedResult = new(PayloadKind.Unparsed, [], null, null, null);

    // Control characters other than tab, LF and CR mark a payload as binary.
    private static readonly SearchValues<byte> BinaryBytes = SearchValues.Create(
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 127]);

    private static ReadOnlySpan<byte> Whitespace => " \t\r\n"u8;

    /// <summary>Parses <paramref name="payload"/>; a reading's time is at most a century after <paramref name="now"/>.</summary>
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
}
