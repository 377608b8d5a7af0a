using System.ComponentModel.DataAnnotations;

namespace Dashboard.Alerts.Notifications;

/// <summary>
/// How alert notifications are delivered to the channels (section <c>Notifications</c>); the channels themselves are in
/// the database. A failed send is tried again after <see cref="RetryDelay"/>, then that times <see cref="RetryBackoff"/>,
/// at most <see cref="MaxRetryDelay"/>: 5 s, 30 s, 2 min by default.
/// </summary>
public sealed class NotificationsOptions
{
    public const string Section = "Notifications";

    /// <summary>Notifications waiting per channel; beyond it new ones are dropped and counted (a dead receiver holds nothing up).</summary>
    [Range(1, 100_000)]
    public int QueueCapacity { get; set; } = 1000;

    /// <summary>Tries after the first failed one; 0 sends once.</summary>
    [Range(0, 10)]
    public int Retries { get; set; } = 3;

    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Each retry waits this many times longer than the one before.</summary>
    [Range(1.0, 100.0)]
    public double RetryBackoff { get; set; } = 6;

    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Notifications one channel sends per minute at most; the rest are counted and summed up in one message.</summary>
    [Range(1, 10_000)]
    public int MaxPerMinute { get; set; } = 20;

    /// <summary>One attempt (an HTTP request, an SMTP conversation) gives up after this long.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}
