namespace Dashboard.Ingestion;

/// <summary>What ingestion changed in what devices sent, counted since start for the Overview.</summary>
public sealed class IngestionStats
{
    private long _payloadTimesIgnored;

    /// <summary>Payloads whose own time was outside <see cref="IngestionOptions.PayloadTimeWindow"/>, stored at their arrival time instead.</summary>
    public long PayloadTimesIgnored => Interlocked.Read(ref _payloadTimesIgnored);

    internal long PayloadTimeIgnored() => Interlocked.Increment(ref _payloadTimesIgnored);
}
