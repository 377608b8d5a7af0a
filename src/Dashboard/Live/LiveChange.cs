using Dashboard.Devices;

namespace Dashboard.Live;

/// <summary>Something live state learned. Batches keep only the latest change per <see cref="Key"/>.</summary>
public abstract record LiveChange
{
    /// <summary>What the change is about; a newer change with the same key replaces an older one in a batch.</summary>
    public abstract string Key { get; }
}

/// <summary>A new value of one metric of one topic.</summary>
public sealed record ReadingChanged(string DeviceId, string Topic, string Metric, double Value, string? Unit, DateTimeOffset Time) : LiveChange
{
    public override string Key => "r\u0001" + Topic + "\u0001" + Metric;
}

/// <summary>A device went online or offline, or appeared.</summary>
public sealed record PresenceChanged(string DeviceId, DeviceStatus Status, DateTimeOffset Time, string? ClientId) : LiveChange
{
    public override string Key => "p\u0001" + DeviceId;
}

/// <summary>A topic received a message (payload, rate, publishers); readings of it come as <see cref="ReadingChanged"/>.</summary>
public sealed record TopicChanged(string Topic) : LiveChange
{
    public override string Key => "t\u0001" + Topic;
}

/// <summary>
/// Changes since the previous batch, latest per key. <see cref="Overflowed"/> says some were left out
/// (more distinct keys changed than a batch holds): re-read everything.
/// </summary>
public sealed record LiveBatch(IReadOnlyList<LiveChange> Changes, bool Overflowed);
