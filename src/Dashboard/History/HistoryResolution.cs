namespace Dashboard.History;

/// <summary>Where a series is read from: the raw readings or one of the rollups.</summary>
public enum HistoryResolution
{
    Raw,
    Minute,
    Hour,
}

public static class HistoryResolutions
{
    /// <summary>The width in ms of one sample at this resolution (1 for raw readings).</summary>
    public static long Width(this HistoryResolution resolution) => resolution switch
    {
        HistoryResolution.Minute => HistoryStore.MinuteMs,
        HistoryResolution.Hour => HistoryStore.HourMs,
        _ => 1,
    };

    /// <summary>
    /// The coarsest source that is still finer than the buckets the chart can show (range / maxPoints), so long
    /// ranges read a few thousand rollup rows instead of millions of readings; and never one whose retention has
    /// already removed the start of the range (raw readings older than RawRetention are gone, minutes likewise).
    /// </summary>
    public static HistoryResolution Choose(DateTimeOffset from, DateTimeOffset to, int maxPoints, DateTimeOffset now, HistoryOptions options)
    {
        var bucket = (to - from) / maxPoints;
        if (bucket < TimeSpan.FromMinutes(1) && from >= now - options.RawRetention)
        {
            return HistoryResolution.Raw;
        }

        if (bucket < TimeSpan.FromHours(1) && from >= now - options.MinuteRetention)
        {
            return HistoryResolution.Minute;
        }

        return HistoryResolution.Hour;
    }
}
