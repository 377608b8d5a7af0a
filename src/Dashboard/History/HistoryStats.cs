namespace Dashboard.History;

/// <summary>What the history writer has done since start: counters for the page, the logs and the benchmark.</summary>
public sealed class HistoryStats
{
    private long _received;
    private long _dropped;
    private long _seriesDropped;
    private long _stored;
    private long _duplicates;
    private long _failed;
    private long _batches;

    /// <summary>Readings handed to the writer's buffer.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Readings dropped because the buffer was full (the database fell behind).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Readings dropped because History:MaxSeries series were recorded already.</summary>
    public long SeriesDropped => Interlocked.Read(ref _seriesDropped);

    /// <summary>Readings written.</summary>
    public long Stored => Interlocked.Read(ref _stored);

    /// <summary>Readings not written because their series had one at the same millisecond already.</summary>
    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>Readings lost because their batch could not be written (the database refused it).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    public long Batches => Interlocked.Read(ref _batches);

    internal void OnReceived() => Interlocked.Increment(ref _received);

    internal long OnDropped() => Interlocked.Increment(ref _dropped);

    internal long OnSeriesDropped() => Interlocked.Increment(ref _seriesDropped);

    internal void OnBatch(int stored, int duplicates)
    {
        Interlocked.Add(ref _stored, stored);
        Interlocked.Add(ref _duplicates, duplicates);
        Interlocked.Increment(ref _batches);
    }

    internal long OnFailed(int readings) => Interlocked.Add(ref _failed, readings);
}
