namespace Dashboard.Broker.External;

/// <summary>
/// The wait before reconnect attempt <c>n</c>: 1 s, doubled each failure, capped at 30 s, each spread over its upper half at
/// random so that dashboards cut off together do not all come back in the same second.
/// </summary>
internal static class Backoff
{
    public static readonly TimeSpan First = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan Max = TimeSpan.FromSeconds(30);

    /// <param name="failures">Failed attempts in a row, 1 for the first.</param>
    /// <param name="jitter">A number in [0, 1).</param>
    public static TimeSpan Delay(int failures, double jitter)
    {
        var exponent = Math.Clamp(failures - 1, 0, 16);
        var ceiling = Math.Min(First.TotalSeconds * Math.Pow(2, exponent), Max.TotalSeconds);
        return TimeSpan.FromSeconds(ceiling * (0.5 + (0.5 * Math.Clamp(jitter, 0, 1))));
    }
}
