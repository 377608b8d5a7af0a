using Dashboard.Devices;
using Dashboard.Live;

namespace Dashboard.Registry;

/// <summary>A stretch of time in one presence state.</summary>
public sealed record PresenceSpan(DateTimeOffset From, DateTimeOffset To, DeviceStatus Status);

/// <summary>
/// A device's presence over the last 24 hours and 7 days: the share of the known time it was online (null when nothing
/// is known), and whether it is flapping (<see cref="FlapChanges"/> or more changes within the last hour).
/// </summary>
public sealed record PresenceSummary(double? Uptime24h, double? Uptime7d, bool Flapping, int ChangesLastHour, IReadOnlyList<PresenceSpan> Last24h)
{
    public const int FlapChanges = 6;

    /// <param name="changes">Changes oldest first: those of the last 7 days and the one just before, if any.</param>
    public static PresenceSummary Of(IReadOnlyList<PresenceRecord> changes, DateTimeOffset now)
    {
        var day = Spans(changes, now - TimeSpan.FromDays(1), now);
        var week = Spans(changes, now - TimeSpan.FromDays(7), now);
        var lastHour = changes.Count(c => c.Time > now - TimeSpan.FromHours(1));
        return new PresenceSummary(Uptime(day), Uptime(week), lastHour >= FlapChanges, lastHour, day);
    }

    private static List<PresenceSpan> Spans(IReadOnlyList<PresenceRecord> changes, DateTimeOffset from, DateTimeOffset to)
    {
        var spans = new List<PresenceSpan>();
        var status = DeviceStatus.Unknown;
        var start = from;
        foreach (var change in changes)
        {
            if (change.Time <= from)
            {
                status = change.Status; // the state the window opens in
                continue;
            }

            if (change.Time >= to)
            {
                break;
            }

            if (change.Status != status)
            {
                spans.Add(new PresenceSpan(start, change.Time, status));
                start = change.Time;
                status = change.Status;
            }
        }

        spans.Add(new PresenceSpan(start, to, status));
        return [.. spans.Where(s => s.To > s.From)];
    }

    private static double? Uptime(List<PresenceSpan> spans)
    {
        var known = spans.Where(s => s.Status != DeviceStatus.Unknown).Sum(s => (s.To - s.From).TotalSeconds);
        var online = spans.Where(s => s.Status == DeviceStatus.Online).Sum(s => (s.To - s.From).TotalSeconds);
        return known > 0 ? online / known : null;
    }
}
