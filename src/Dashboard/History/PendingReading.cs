namespace Dashboard.History;

/// <summary>
/// A (topic, metric) as the recorder and the writer know it: created once per series on the ingestion thread;
/// the database fields are the writer's alone.
/// </summary>
internal sealed class SeriesHandle(string topic, string metric, string? deviceId)
{
    public string Topic { get; } = topic;
    public string Metric { get; } = metric;
    public string? DeviceId { get; } = deviceId;

    /// <summary>The time given to this series' last reading that the broker timestamped (the recorder's, on the ingestion thread).</summary>
    public long LastArrival { get; set; } = long.MinValue;

    /// <summary>The Series row's id, 0 until the writer has found or created it.</summary>
    public int Id { get; set; }

    /// <summary>The unit the Series row has, so the writer updates it only when a reading brings another.</summary>
    public string? StoredUnit { get; set; }
}

/// <summary>
/// A reading waiting to be written: references to strings that exist already, so queuing it allocates nothing.
/// <see cref="AtArrival"/>: its time is when it arrived (the payload gave none), so another reading of the series at that
/// millisecond is a different reading, not this one again.
/// </summary>
internal readonly record struct PendingReading(SeriesHandle Series, string? Unit, double Value, long Time, bool AtArrival = false);
