using System.ComponentModel.DataAnnotations;

namespace Dashboard.EventLog;

/// <summary>The event log (section <c>EventLog</c>): refused connections, ACL denials and admin actions.</summary>
public sealed class EventLogOptions
{
    public const string Section = "EventLog";

    /// <summary>Events older than this are deleted.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>At most this many events are kept; the oldest go first.</summary>
    [Range(100, 100_000_000)]
    public int MaxRows { get; set; } = 100_000;

    /// <summary>Refusals waiting to be written; beyond it the broker drops them and counts them (it never waits).</summary>
    [Range(1, 1_000_000)]
    public int QueueCapacity { get; set; } = 10_000;
}
