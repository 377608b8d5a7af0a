namespace Dashboard.Bench.Live;

/// <summary>A stage of one run; each publishes its values in its own range, so a number on the page tells which publish it is.</summary>
internal enum LivePhase
{
    WarmUp,
    Flood,
    Latency,
}

/// <summary>
/// The readings of the live bench: device <c>bench/dev-NN</c> publishes plain numbers on
/// <c>bench/dev-NN/temperature</c> and <c>bench/dev-NN/humidity</c>. A value is its phase's base plus its sequence
/// number in the series, an integer below 1e6, which the device cards print as is ("300042").
/// </summary>
internal static class LiveValues
{
    public const int RangeSize = 200_000;

    public static readonly string[] Metrics = ["temperature", "humidity"];

    public static string DeviceId(int device) => $"bench/dev-{device:00}";

    public static string Topic(int device, int metric) => $"{DeviceId(device)}/{Metrics[metric]}";

    /// <summary>Series index of a device's metric: device × 2 + metric.</summary>
    public static int Series(int device, int metric) => device * Metrics.Length + metric;

    public static int Value(LivePhase phase, int sequence) => Base(phase) + sequence;

    /// <summary>The sequence number a displayed value stands for in <paramref name="phase"/>, or -1 if it is not one of that phase's.</summary>
    public static int Sequence(LivePhase phase, int value) => value - Base(phase) is var s && s >= 0 && s < RangeSize ? s : -1;

    private static int Base(LivePhase phase) => 100_000 + (int)phase * RangeSize;
}

/// <summary>
/// When each value of a phase was published (Unix time in ms, the clock the browser's Date.now() reads), by series and
/// sequence number. Each series is written by one publisher only, so the lists need no lock.
/// </summary>
internal sealed class PublishLog(int series)
{
    private readonly List<double>[] _times = [.. Enumerable.Range(0, series).Select(_ => new List<double>())];

    public static double Now() => (DateTime.UtcNow - DateTime.UnixEpoch).TotalMilliseconds;

    /// <summary>Notes a publish about to be sent on <paramref name="series"/>; returns its sequence number.</summary>
    public int Next(int series)
    {
        var times = _times[series];
        times.Add(Now());
        return times.Count - 1;
    }

    public int Count(int series) => _times[series].Count;

    public int Total => _times.Sum(t => t.Count);

    public double? Time(int series, int sequence) => (uint)sequence < (uint)_times[series].Count ? _times[series][sequence] : null;
}
