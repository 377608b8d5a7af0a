using Dashboard.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Dashboard.History;

/// <summary>A series with stored readings.</summary>
public sealed record HistorySeriesInfo(int Id, string Topic, string Metric, string? Unit, string? DeviceId);

/// <summary>A series over a time range, downsampled to at most the points asked for.</summary>
/// <param name="BucketWidth">Width of each point's bucket; zero when the points are the raw readings.</param>
public sealed record HistorySeriesData(
    HistorySeriesInfo Series,
    DateTimeOffset From,
    DateTimeOffset To,
    HistoryResolution Resolution,
    TimeSpan BucketWidth,
    IReadOnlyList<HistoryPoint> Points);

/// <summary>
/// Reads stored history for pages and the API. A singleton: each call has its own short-lived DbContext, so
/// several charts of one Blazor circuit can load at once.
/// </summary>
public sealed class HistoryQueries(IServiceScopeFactory scopes, IOptions<HistoryOptions> options, TimeProvider clock)
{
    /// <summary>Every series with history, by topic and metric.</summary>
    public async Task<IReadOnlyList<HistorySeriesInfo>> SeriesAsync(CancellationToken cancellationToken = default)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
        var series = await db.Set<SeriesEntity>().AsNoTracking()
            .Select(s => new HistorySeriesInfo(s.Id, s.Topic, s.Metric, s.Unit, s.DeviceId))
            .ToListAsync(cancellationToken);
        return [.. series.OrderBy(s => s.Topic, StringComparer.Ordinal).ThenBy(s => s.Metric, StringComparer.Ordinal)];
    }

    /// <summary>The series of one topic (each metric of it), by metric.</summary>
    public async Task<IReadOnlyList<HistorySeriesInfo>> SeriesOfTopicAsync(string topic, CancellationToken cancellationToken = default)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
        var series = await db.Set<SeriesEntity>().AsNoTracking()
            .Where(s => s.Topic == topic)
            .Select(s => new HistorySeriesInfo(s.Id, s.Topic, s.Metric, s.Unit, s.DeviceId))
            .ToListAsync(cancellationToken);
        return [.. series.OrderBy(s => s.Metric, StringComparer.Ordinal)];
    }

    /// <summary>The series of one device, by topic and metric.</summary>
    public async Task<IReadOnlyList<HistorySeriesInfo>> SeriesOfDeviceAsync(string deviceId, CancellationToken cancellationToken = default)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
        var series = await db.Set<SeriesEntity>().AsNoTracking()
            .Where(s => s.DeviceId == deviceId)
            .Select(s => new HistorySeriesInfo(s.Id, s.Topic, s.Metric, s.Unit, s.DeviceId))
            .ToListAsync(cancellationToken);
        return [.. series.OrderBy(s => s.Topic, StringComparer.Ordinal).ThenBy(s => s.Metric, StringComparer.Ordinal)];
    }

    /// <summary>How many raw readings one device has stored (what forgetting it with its history would delete).</summary>
    public async Task<long> CountReadingsOfDeviceAsync(string deviceId, CancellationToken cancellationToken = default)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
        var ids = await db.Set<SeriesEntity>().Where(s => s.DeviceId == deviceId).Select(s => s.Id).ToListAsync(cancellationToken);
        return await db.Set<ReadingEntity>().LongCountAsync(r => ids.Contains(r.SeriesId), cancellationToken);
    }

    /// <summary>
    /// Deletes one device's stored readings and rollups; returns how many raw readings went. The series rows stay (the
    /// writer knows them by id), empty, and no longer belong to the device.
    /// </summary>
    public async Task<int> DeleteDeviceHistoryAsync(string deviceId, CancellationToken cancellationToken = default)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
        var ids = await db.Set<SeriesEntity>().Where(s => s.DeviceId == deviceId).Select(s => s.Id).ToListAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var deleted = await db.Set<ReadingEntity>().Where(r => ids.Contains(r.SeriesId)).ExecuteDeleteAsync(cancellationToken);
        await db.Set<MinuteRollupEntity>().Where(r => ids.Contains(r.SeriesId)).ExecuteDeleteAsync(cancellationToken);
        await db.Set<HourRollupEntity>().Where(r => ids.Contains(r.SeriesId)).ExecuteDeleteAsync(cancellationToken);
        await db.Set<SeriesEntity>().Where(s => ids.Contains(s.Id)).ExecuteUpdateAsync(s => s.SetProperty(x => x.DeviceId, (string?)null), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }

    /// <summary>
    /// The series from <paramref name="from"/> to <paramref name="to"/> (both included), at most <paramref name="maxPoints"/>
    /// points, read from raw readings or rollups as <see cref="HistoryResolutions.Choose"/> decides, or from the raw
    /// readings whenever they fit in <paramref name="maxPoints"/> (and are still kept).
    /// </summary>
    public async Task<HistorySeriesData> ReadAsync(HistorySeriesInfo series, DateTimeOffset from, DateTimeOffset to, int maxPoints,
        CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var resolution = HistoryResolutions.Choose(from, to, maxPoints, now, options.Value);
        var (start, end) = (from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds());
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
        if (resolution != HistoryResolution.Raw && from >= now - options.Value.RawRetention)
        {
            // A sparse series over a long range fits as it is: then its exact readings beat minute averages. The hour
            // rollups count it cheaply (the first hour may also count readings just before the range: no harm).
            var first = HistoryStore.BucketStart(start, HistoryStore.HourMs);
            var count = await db.Set<HourRollupEntity>()
                .Where(r => r.SeriesId == series.Id && r.Bucket >= first && r.Bucket <= end)
                .SumAsync(r => r.Count, cancellationToken);
            if (count <= maxPoints)
            {
                resolution = HistoryResolution.Raw;
            }
        }

        var downsampler = new Downsampler(start, end, maxPoints, resolution.Width());
        long grouped = 0;
        if (resolution == HistoryResolution.Raw)
        {
            var rows = db.Set<ReadingEntity>().AsNoTracking()
                .Where(r => r.SeriesId == series.Id && r.Time >= start && r.Time <= end)
                .OrderBy(r => r.Time)
                .Select(r => new { r.Time, r.Value })
                .AsAsyncEnumerable();
            await foreach (var row in rows.WithCancellation(cancellationToken))
            {
                downsampler.Add(row.Time, row.Value);
            }
        }
        else
        {
            // A rollup row counts from its bucket's start: the one holding `from` starts before it. When the range has more
            // rollup rows than points (30 days of minutes: 43,200), the database merges them into the downsampler's own
            // buckets, so a thousand rows cross the wire instead of all of them.
            var first = HistoryStore.BucketStart(start, resolution.Width());
            grouped = (end - first) / resolution.Width() >= maxPoints ? Downsampler.WidthFor(start, end, maxPoints, resolution.Width()) : 0;
            var rows = resolution == HistoryResolution.Minute
                ? Rollups(db.Set<MinuteRollupEntity>(), series.Id, first, end, grouped)
                : Rollups(db.Set<HourRollupEntity>(), series.Id, first, end, grouped);
            await foreach (var row in rows.WithCancellation(cancellationToken))
            {
                downsampler.Add(row.Bucket, row.Min, row.Max, row.Sum, row.Count);
            }
        }

        var points = downsampler.Finish();
        var width = downsampler.BucketWidth > 0 ? downsampler.BucketWidth : grouped > 0 ? grouped : resolution == HistoryResolution.Raw ? 0 : resolution.Width();
        return new HistorySeriesData(series, from, to, resolution, TimeSpan.FromMilliseconds(width), points);
    }

    /// <summary>The rollup rows of the range, oldest first; merged into buckets of <paramref name="width"/> ms when it is not 0.</summary>
    private static IAsyncEnumerable<RollupRow> Rollups<T>(DbSet<T> table, int seriesId, long first, long end, long width) where T : RollupEntity
    {
        var rows = table.AsNoTracking().Where(r => r.SeriesId == seriesId && r.Bucket >= first && r.Bucket <= end);
        return width == 0
            ? rows.OrderBy(r => r.Bucket).Select(r => new RollupRow(r.Bucket, r.Min, r.Max, r.Sum, r.Count)).AsAsyncEnumerable()
            : rows.GroupBy(r => r.Bucket / width * width).OrderBy(g => g.Key)
                .Select(g => new RollupRow(g.Key, g.Min(r => r.Min), g.Max(r => r.Max), g.Sum(r => r.Sum), g.Sum(r => r.Count))).AsAsyncEnumerable();
    }

    private sealed record RollupRow(long Bucket, double Min, double Max, double Sum, long Count);
}
