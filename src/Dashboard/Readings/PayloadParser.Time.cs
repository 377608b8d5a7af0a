using System.Globalization;
using System.Text;

namespace Dashboard.Readings;

// Times: epoch seconds, milliseconds, microseconds or nanoseconds, or ISO 8601 with a zone; whether the time is close enough
// to the arrival to be used is ingestion's call (Ingestion:PayloadTimeWindow), which counts the ones it ignores.
public static partial class PayloadParser
{
    private const int MaxTimeBytes = 64;
    private const long MinTimeMilliseconds = 946_684_800_000; // 2000-01-01T00:00:00Z
    private static readonly TimeSpan MaxAhead = TimeSpan.FromDays(36_525); // beyond a century ahead: not a time at all

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
        if (!HasZone(chars) || !DateTimeOffset.TryParse(chars, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            return null;
        }

        var milliseconds = time.ToUnixTimeMilliseconds();
        return IsPlausible(milliseconds, now) ? time.ToUniversalTime() : null;
    }

    /// <summary>
    /// A time without a zone (<c>2024-01-01T12:00:00</c>, Tasmota's, Python's <c>datetime.now().isoformat()</c>) is the
    /// device's local time, which the dashboard cannot know: not a time, so the arrival time is used.
    /// </summary>
    private static bool HasZone(ReadOnlySpan<char> iso)
    {
        var time = iso[10..];
        return time.EndsWith('Z') || time.EndsWith('z') || time.LastIndexOfAny('+', '-') > 0;
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
        return IsPlausible(rounded, now) ? DateTimeOffset.FromUnixTimeMilliseconds((long)rounded) : null;
    }

    // Before 2000 a number is more likely a duration or a counter (an uptime in a "time" field) than a time.
    private static bool IsPlausible(double milliseconds, DateTimeOffset now) =>
        milliseconds >= MinTimeMilliseconds && milliseconds <= (now + MaxAhead).ToUnixTimeMilliseconds();
}
