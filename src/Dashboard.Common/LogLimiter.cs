namespace Dashboard.Common;

/// <summary>Lets a repeated warning through at most once per interval, so a flood cannot flood the log.</summary>
public sealed class LogLimiter(TimeSpan interval)
{
    private long _nextTicks;

    public bool ShouldLog()
    {
        var now = Environment.TickCount64;
        var next = Interlocked.Read(ref _nextTicks);
        return now >= next && Interlocked.CompareExchange(ref _nextTicks, now + (long)interval.TotalMilliseconds, next) == next;
    }
}
