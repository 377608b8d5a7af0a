using System.Runtime.InteropServices;

namespace Dashboard.History;

/// <summary>A batch's readings summed per (series, bucket of <see cref="Width"/>): what is merged into a rollup table.</summary>
internal sealed class RollupBuckets(long width) : Dictionary<(int Series, long Bucket), RollupBuckets.Aggregate>
{
    public long Width { get; } = width;

    public void Add(int series, long time, double value)
    {
        ref var aggregate = ref CollectionsMarshal.GetValueRefOrAddDefault(this, (series, HistoryStore.BucketStart(time, Width)), out var exists);
        aggregate = exists
            ? new Aggregate(Math.Min(aggregate.Min, value), Math.Max(aggregate.Max, value), aggregate.Sum + value, aggregate.Count + 1)
            : new Aggregate(value, value, value, 1);
    }

    public readonly record struct Aggregate(double Min, double Max, double Sum, long Count);
}

/// <summary>Where the history writer puts a batch: <see cref="HistoryStore"/> (SQLite) or <see cref="PostgreSql.PostgreSqlHistoryStore"/>.</summary>
internal interface IHistoryStore : IDisposable
{
    /// <summary>Writes the readings in one transaction; returns how many were stored and how many were duplicates.</summary>
    (int Stored, int Duplicates) Write(ReadOnlySpan<PendingReading> batch);
}
