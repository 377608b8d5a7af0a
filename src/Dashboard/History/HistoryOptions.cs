using System.ComponentModel.DataAnnotations;

namespace Dashboard.History;

/// <summary>How long readings are kept and how they are written (section <c>History</c>).</summary>
public sealed class HistoryOptions : IValidatableObject
{
    public const string Section = "History";

    /// <summary>Every reading as it came, for this long.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan RawRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Per-minute min/max/avg/count, for this long (at least <see cref="RawRetention"/>).</summary>
    [Range(typeof(TimeSpan), "01:00:00", "36500.00:00:00")]
    public TimeSpan MinuteRetention { get; set; } = TimeSpan.FromDays(90);

    /// <summary>Per-hour min/max/avg/count, for this long (at least <see cref="MinuteRetention"/>).</summary>
    [Range(typeof(TimeSpan), "01:00:00", "36500.00:00:00")]
    public TimeSpan HourRetention { get; set; } = TimeSpan.FromDays(5 * 365);

    /// <summary>A reading waits at most this long in memory before it is written.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:10")]
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Readings written in one transaction at most. A slow trickle is written every <see cref="FlushInterval"/>; under
    /// load, batches grow to this size: each batch rewrites the newest page of every series in it, so bigger batches
    /// write fewer pages per reading (measured with 800 series: 46k readings/s at 5,000, 129k at 20,000).
    /// </summary>
    [Range(100, 100_000)]
    public int MaxBatch { get; set; } = 20_000;

    /// <summary>Readings held while the database is busy; beyond this, new readings are dropped, counted and logged.</summary>
    [Range(1000, 10_000_000)]
    public int BufferCapacity { get; set; } = 200_000;

    /// <summary>(topic, metric) series recorded per run; readings of further series are dropped, counted and logged.</summary>
    [Range(10, 10_000_000)]
    public int MaxSeries { get; set; } = 100_000;

    /// <summary>How often the retention job deletes what has expired.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromMinutes(10);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MinuteRetention < RawRetention)
        {
            yield return new ValidationResult("History:MinuteRetention must be at least History:RawRetention.", [nameof(MinuteRetention)]);
        }

        if (HourRetention < MinuteRetention)
        {
            yield return new ValidationResult("History:HourRetention must be at least History:MinuteRetention.", [nameof(HourRetention)]);
        }
    }
}
