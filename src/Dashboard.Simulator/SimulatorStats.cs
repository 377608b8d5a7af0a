namespace Dashboard.Simulator;

/// <summary>Counters shared by all device loops; updated with Interlocked, read by the status line.</summary>
internal sealed class SimulatorStats
{
    private long _sent;
    private long _failed;
    private long _reconnects;
    private long _chaosKills;

    public long Sent => Interlocked.Read(ref _sent);

    public long Failed => Interlocked.Read(ref _failed);

    public long Reconnects => Interlocked.Read(ref _reconnects);

    public long ChaosKills => Interlocked.Read(ref _chaosKills);

    public void MessageSent() => Interlocked.Increment(ref _sent);

    public void MessageFailed() => Interlocked.Increment(ref _failed);

    public void Reconnected() => Interlocked.Increment(ref _reconnects);

    public void ChaosKilled() => Interlocked.Increment(ref _chaosKills);
}
