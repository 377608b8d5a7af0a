namespace Dashboard.Live;

/// <summary>
/// Live state's change counter: every change to a topic or device takes the next number, so no two snapshots of
/// different things or times share a version.
/// </summary>
internal sealed class VersionCounter
{
    private long _last;

    public long Last => Interlocked.Read(ref _last);

    /// <summary>Called under live state's lock; readers of <see cref="Last"/> need none.</summary>
    public long Next() => ++_last;
}
