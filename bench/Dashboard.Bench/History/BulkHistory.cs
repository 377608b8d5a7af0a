using System.Diagnostics;
using System.Globalization;
using Dashboard.History;
using Dashboard.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Bench.History;

/// <summary>What filling the bulk database took and left.</summary>
internal sealed record BulkResult(long Readings, int Series, double MedianReadingsPerSecond, double TotalSeconds, long DatabaseBytes,
    IReadOnlyList<(string Table, long Bytes)> Tables, long SqliteHighWaterBytes, long ManagedHeapBytes, double PeakRssMiB);

/// <summary>
/// Fills a database with readings through the history writer's own bulk path (<see cref="HistoryStore.Write"/>, the
/// same batches, transactions and rollup upserts as in the app), as a live system would have written them: every
/// series over the last 30 days, in time order, interleaved.
/// </summary>
internal static class BulkHistory
{
    public const string TopicPrefix = "bench/bulk/s";
    public const string Metric = "value";

    public static BulkResult Fill(string databasePath, long readings, int series, Action<string> progress, CancellationToken cancellationToken)
    {
        var connectionString = $"Data Source={databasePath}";
        using (var db = new DashboardDbContext(new DbContextOptionsBuilder<DashboardDbContext>().UseSqlite(connectionString).Options))
        {
            db.Database.Migrate();
            db.Database.ExecuteSqlRaw("PRAGMA journal_mode=WAL;");
        }

        var handles = Enumerable.Range(0, series).Select(i => new SeriesHandle($"{TopicPrefix}{i}", Metric, "bench/bulk")).ToArray();
        var perSeries = readings / series;
        var end = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var start = end - (long)TimeSpan.FromDays(30).TotalMilliseconds;
        var step = (end - start) / perSeries;
        var batch = new PendingReading[new HistoryOptions().MaxBatch];
        var count = 0;
        long written = 0;
        var chunkRates = new List<double>();
        var chunk = Stopwatch.StartNew();
        var total = Stopwatch.StartNew();
        var chunkSize = Math.Min(1_000_000, Math.Max(batch.Length, readings / 10));
        using var store = HistoryStore.Open(connectionString);
        for (long k = 0; k < perSeries; k++)
        {
            var time = start + (k * step);
            for (var s = 0; s < series; s++)
            {
                batch[count++] = new PendingReading(handles[s], "°C", Value(time, k, s), time + s);
                if (count == batch.Length)
                {
                    store.Write(batch);
                    written += count;
                    count = 0;
                    if (written % chunkSize < batch.Length)
                    {
                        chunkRates.Add(chunkSize / chunk.Elapsed.TotalSeconds);
                        chunk.Restart();
                        progress($"  {written:N0} readings written, {chunkRates[^1]:N0}/s");
                        cancellationToken.ThrowIfCancellationRequested();
                    }
                }
            }
        }

        if (count > 0)
        {
            store.Write(batch.AsSpan(0, count));
            written += count;
        }

        var seconds = total.Elapsed.TotalSeconds;
        var highWater = SQLitePCL.raw.sqlite3_memory_highwater(0);
        var heap = GC.GetGCMemoryInfo().HeapSizeBytes;
        var rss = PeakRssMiB();
        store.Dispose();

        using var connection = new SqliteConnection($"{connectionString};Pooling=False");
        connection.Open();
        Execute(connection, "PRAGMA wal_checkpoint(TRUNCATE);");
        return new BulkResult(written, series, Median(chunkRates), seconds, new FileInfo(databasePath).Length, TableSizes(connection), highWater, heap, rss);
    }

    /// <summary>Reading <paramref name="k"/> of series <paramref name="s"/>: a daily cycle with noise, two decimals, like a room sensor; a spike now and then.</summary>
    internal static double Value(long time, long k, int s) =>
        Math.Round(20 + (5 * Math.Sin((time % 86_400_000) / 86_400_000.0 * 2 * Math.PI)) + (s * 0.5) + (((k * 7919) + s) % 100 / 100.0) + (k % 50_000 == 123 ? 30 : 0), 2);

    /// <summary>Bytes per table and index, from SQLite's dbstat table (when the library has it).</summary>
    private static List<(string, long)> TableSizes(SqliteConnection connection)
    {
        var sizes = new List<(string, long)>();
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                sizes.Add((reader.GetString(0), reader.GetInt64(1)));
            }
        }
        catch (SqliteException)
        {
            // No dbstat in this build of SQLite: the file size alone is reported.
        }

        return sizes;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    internal static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static double PeakRssMiB()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
    }
}
