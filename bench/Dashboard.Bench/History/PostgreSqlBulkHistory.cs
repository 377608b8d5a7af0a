using System.Diagnostics;
using Dashboard.History.PostgreSql;
using Dashboard.Storage.PostgreSql;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace Dashboard.Bench.History;

/// <summary>What filling the PostgreSQL database took (seconds per step) and left (bytes per relation, partitions summed).</summary>
internal sealed record PostgreSqlBulkResult(long Readings, int Series, double MedianReadingsPerSecond, double CopySeconds, double RollupSeconds,
    double AnalyzeSeconds, long DatabaseBytes, IReadOnlyList<(string Table, long Bytes)> Tables, CpuTimes ServerCpu);

/// <summary>
/// Fills a PostgreSQL database (migrated by the app's own migrations) with the same readings as <see cref="BulkHistory"/>:
/// the day partitions first (<see cref="ReadingPartitions"/>, as retention makes them), the readings by binary COPY, one
/// COPY per million, then the minute and hour rollups computed from them in SQL (the writer's rollups: min, max, sum and
/// count per bucket), then VACUUM ANALYZE, which autovacuum would have done on a database that filled over 30 days.
/// Not the writer's path (<c>PostgreSqlHistoryStore</c>: unnest batches with rollup upserts): that path is what
/// <c>bench/run.sh scaleout</c> measures; this one only has to be fast enough to make 10 million readings in minutes.
/// </summary>
internal static class PostgreSqlBulkHistory
{
    public static async Task<PostgreSqlBulkResult> FillAsync(string connectionString, int postmaster, long readings, int series, Action<string> progress,
        CancellationToken cancellationToken)
    {
        await using (var db = new PostgreSqlDbContext(new DbContextOptionsBuilder<PostgreSqlDbContext>().UseNpgsql(connectionString).Options))
        {
            await db.Database.MigrateAsync(cancellationToken);
        }

        var cpu = BenchServers.PostgreSqlCpu(postmaster);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        var perSeries = readings / series;
        var end = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var start = end - (long)TimeSpan.FromDays(30).TotalMilliseconds;
        var step = (end - start) / perSeries;
        await ReadingPartitions.EnsureAsync(connection, DateTimeOffset.FromUnixTimeMilliseconds(start), DateTimeOffset.UtcNow.AddDays(3),
            NullLogger.Instance, cancellationToken);
        var ids = new int[series];
        for (var s = 0; s < series; s++)
        {
            await using var insert = new NpgsqlCommand("""
                INSERT INTO "Series" ("Topic", "Metric", "Unit", "DeviceId") VALUES (@topic, @metric, '°C', 'bench/bulk') RETURNING "Id"
                """, connection);
            insert.Parameters.AddWithValue("topic", $"{BulkHistory.TopicPrefix}{s}");
            insert.Parameters.AddWithValue("metric", BulkHistory.Metric);
            ids[s] = (int)(await insert.ExecuteScalarAsync(cancellationToken))!;
        }

        // Written in time order, series interleaved, as a live system writes them (and as BulkHistory does).
        var rates = new List<double>();
        var total = Stopwatch.StartNew();
        var chunk = Math.Max(1, Math.Min(1_000_000 / series, perSeries / 10));
        for (long first = 0; first < perSeries; first += chunk)
        {
            var watch = Stopwatch.StartNew();
            var last = Math.Min(perSeries, first + chunk);
            await using (var copy = await connection.BeginBinaryImportAsync("""COPY "Readings" ("SeriesId", "Time", "Value") FROM STDIN (FORMAT BINARY)""", cancellationToken))
            {
                cancellationToken.ThrowIfCancellationRequested();
                for (var k = first; k < last; k++)
                {
                    var time = start + (k * step);
                    for (var s = 0; s < series; s++)
                    {
                        copy.StartRow();
                        copy.Write(ids[s], NpgsqlDbType.Integer);
                        copy.Write(time + s, NpgsqlDbType.Bigint);
                        copy.Write(BulkHistory.Value(time, k, s), NpgsqlDbType.Double);
                    }
                }

                await copy.CompleteAsync(cancellationToken);
            }

            rates.Add((last - first) * series / watch.Elapsed.TotalSeconds);
            progress($"  {last * series:N0} readings copied, {rates[^1]:N0}/s");
        }

        var copySeconds = total.Elapsed.TotalSeconds;
        var rollups = Stopwatch.StartNew();
        await ExecuteAsync(connection, $"""
            INSERT INTO "MinuteRollups" ("SeriesId", "Bucket", "Min", "Max", "Sum", "Count")
            SELECT "SeriesId", "Time" - "Time" % {Dashboard.History.HistoryStore.MinuteMs}, min("Value"), max("Value"), sum("Value"), count(*)
            FROM "Readings" GROUP BY 1, 2
            """, cancellationToken);
        await ExecuteAsync(connection, $"""
            INSERT INTO "HourRollups" ("SeriesId", "Bucket", "Min", "Max", "Sum", "Count")
            SELECT "SeriesId", "Bucket" - "Bucket" % {Dashboard.History.HistoryStore.HourMs}, min("Min"), max("Max"), sum("Sum"), sum("Count")
            FROM "MinuteRollups" GROUP BY 1, 2
            """, cancellationToken);
        var rollupSeconds = rollups.Elapsed.TotalSeconds;
        progress($"  rollups computed in {rollupSeconds:F1} s");
        var analyze = Stopwatch.StartNew();
        await ExecuteAsync(connection, "VACUUM ANALYZE", cancellationToken);
        var analyzeSeconds = analyze.Elapsed.TotalSeconds;
        cpu = BenchServers.PostgreSqlCpu(postmaster) - cpu;

        var tables = new List<(string, long)>();
        await using (var sizes = new NpgsqlCommand("""
            SELECT coalesce(p.relname, c.relname), sum(pg_total_relation_size(c.oid))::bigint
            FROM pg_class c
            LEFT JOIN pg_inherits i ON i.inhrelid = c.oid
            LEFT JOIN pg_class p ON p.oid = i.inhparent
            WHERE c.relkind = 'r' AND coalesce(p.relname, c.relname) IN ('Readings', 'MinuteRollups', 'HourRollups', 'Series')
            GROUP BY 1 ORDER BY 2 DESC
            """, connection))
        await using (var reader = await sizes.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                tables.Add((reader.GetString(0), reader.GetInt64(1)));
            }
        }

        await using var size = new NpgsqlCommand("SELECT pg_database_size(current_database())", connection);
        var databaseBytes = (long)(await size.ExecuteScalarAsync(cancellationToken))!;
        return new PostgreSqlBulkResult(perSeries * series, series, BulkHistory.Median(rates), copySeconds, rollupSeconds, analyzeSeconds,
            databaseBytes, tables, cpu);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
