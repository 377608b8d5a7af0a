namespace Dashboard.Alerts.Notifications;

/// <summary>
/// When to try a failed notification again: <c>RetryDelay</c> before the first retry, then <c>RetryBackoff</c> times the
/// wait before, at most <c>MaxRetryDelay</c> (5 s, 30 s, 2 min by default). Pure.
/// </summary>
public static class NotificationBackoff
{
    /// <summary>The wait before retry <paramref name="retry"/> (1 for the first), or null when there are no more retries.</summary>
    public static TimeSpan? Delay(int retry, NotificationsOptions options)
    {
        if (retry < 1 || retry > options.Retries)
        {
            return null;
        }

        var ticks = options.RetryDelay.Ticks * Math.Pow(options.RetryBackoff, retry - 1);
        return ticks >= options.MaxRetryDelay.Ticks ? options.MaxRetryDelay : TimeSpan.FromTicks((long)ticks);
    }
}

/// <summary>
/// One channel's rate limit: at most <c>perMinute</c> notifications in each minute (a fixed window from the first one);
/// the rest are counted, and once the window is over <see cref="TakeSummary"/> hands the count over for one summary
/// message, which opens the next window. Thread-safe; the clock is passed in.
/// </summary>
public sealed class NotificationRateLimit(int perMinute)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly Lock _lock = new();
    private DateTimeOffset _windowStart = DateTimeOffset.MinValue;
    private int _count;
    private long _suppressed;

    /// <summary>Whether one more notification may go now; if not, it is counted for the summary.</summary>
    public bool TryTake(DateTimeOffset now)
    {
        lock (_lock)
        {
            if (now >= _windowStart + Window && _suppressed == 0)
            {
                (_windowStart, _count) = (now, 0);
            }

            if (_count < perMinute)
            {
                _count++;
                return true;
            }

            _suppressed++;
            return false;
        }
    }

    /// <summary>
    /// How many were held back, once the window they were held back in is over (then they are reset and the summary
    /// counts against the new window); 0 while it lasts or when none were.
    /// </summary>
    public long TakeSummary(DateTimeOffset now)
    {
        lock (_lock)
        {
            if (_suppressed == 0 || now < _windowStart + Window)
            {
                return 0;
            }

            var suppressed = _suppressed;
            (_windowStart, _count, _suppressed) = (now, 1, 0);
            return suppressed;
        }
    }
}
