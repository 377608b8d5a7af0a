namespace Dashboard.Broker.Metrics;

/// <summary>One refusal: when, from which address, for which username and client id (null when none was given or known).</summary>
public sealed record Refusal(DateTimeOffset Time, string? Address, string? UserName, string? ClientId);

/// <summary>
/// Refusals of one kind: how many since start, and the last <see cref="Capacity"/> of them, so a count can say who is
/// behind it ("most from 10.0.0.7"). Written without a lock from the connect path (a slot taken with one interlocked
/// increment, a reference written), read now and then by the alert engine's health rules.
/// </summary>
public sealed class RecentRefusals
{
    public const int Capacity = 256;

    private readonly Refusal?[] _slots = new Refusal?[Capacity];
    private long _total;

    /// <summary>Refusals since start.</summary>
    public long Total => Interlocked.Read(ref _total);

    internal void Add(Refusal refusal)
    {
        var slot = (Interlocked.Increment(ref _total) - 1) % Capacity;
        Volatile.Write(ref _slots[slot], refusal);
    }

    /// <summary>The kept refusals at or after <paramref name="since"/>, in no particular order.</summary>
    public IReadOnlyList<Refusal> Since(DateTimeOffset since)
    {
        var recent = new List<Refusal>();
        for (var i = 0; i < _slots.Length; i++)
        {
            if (Volatile.Read(ref _slots[i]) is { } refusal && refusal.Time >= since)
            {
                recent.Add(refusal);
            }
        }

        return recent;
    }
}
