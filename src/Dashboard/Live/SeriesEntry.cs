namespace Dashboard.Live;

/// <summary>One (topic, metric) in live state: its latest value, unit and state word, recent values, and its device.</summary>
internal sealed class SeriesEntry(string topic, string metric, int points)
{
    private readonly RecentValues _recent = new(points);

    public string Topic { get; } = topic;
    public string Metric { get; } = metric;
    public DeviceEntry? Owner { get; private set; }
    public string? Unit { get; private set; }
    public string? State { get; private set; }

    /// <summary>Files the series under <paramref name="owner"/>, taking it from the device it was under.</summary>
    public void BelongTo(DeviceEntry owner)
    {
        if (Owner == owner)
        {
            return;
        }

        Owner?.Series.Remove(this);
        Owner = owner;
        owner.Series.Add(this);
    }

    public void Add(double value, string? unit, DateTimeOffset time, string? state)
    {
        Unit = unit; // the unit of this reading: one sent with an earlier payload does not stick to the next
        State = state;
        _recent.Add(value, time.UtcTicks);
    }

    /// <summary>The series as it is now; only once it has a value.</summary>
    public SeriesSnapshot Snapshot()
    {
        var (values, times) = _recent.ToArrays();
        return new SeriesSnapshot(Topic, Metric, Owner?.Id ?? "", values[^1], Unit, times[^1], values, times, State);
    }
}
