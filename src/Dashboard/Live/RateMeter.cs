namespace Dashboard.Live;

/// <summary>
/// A topic's messages per second, counted in windows that close at the first message 5 s or more after they opened.
/// It reads as the open window's rate (over at least 1 s), or as the last closed window's while the open one is under
/// 5 s old and slower; 0 once the open window is 10 s old.
/// </summary>
internal sealed class RateMeter
{
    private const long Window = 5 * TimeSpan.TicksPerSecond;
    private long _windowStart;
    private int _windowCount;
    private double _lastRate;

    /// <summary>Counts a message at <paramref name="ticks"/> (UTC); times go forward.</summary>
    public void Add(long ticks)
    {
        if (ticks - _windowStart >= Window)
        {
            _lastRate = _windowStart == 0 ? 0 : _windowCount / Seconds(ticks - _windowStart);
            _windowStart = ticks;
            _windowCount = 0;
        }

        _windowCount++;
    }

    public double PerSecond(long nowTicks)
    {
        var sinceWindow = nowTicks - _windowStart;
        return sinceWindow >= 2 * Window ? 0 // quiet for a while
            : sinceWindow >= Window ? _windowCount / Seconds(sinceWindow)
            : Math.Max(_lastRate, _windowCount / Math.Max(1.0, Seconds(sinceWindow)));
    }

    private static double Seconds(long ticks) => (double)ticks / TimeSpan.TicksPerSecond;
}
