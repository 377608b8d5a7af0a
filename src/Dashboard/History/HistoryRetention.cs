using Dashboard.History.PostgreSql;
using Dashboard.ScaleOut;
using Dashboard.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Dashboard.History;

/// <summary>
/// Deletes what has outlived its retention: raw readings after <see cref="HistoryOptions.RawRetention"/>, minute and
/// hour rollups after theirs; at start-up and every <see cref="HistoryOptions.RetentionInterval"/>. It deletes series
/// by series through the primary key, at most <see cref="Chunk"/> rows per statement, each its own short transaction,
/// so the writer never waits for more than one chunk. Freed pages are reused by new readings, so the file stops
/// growing once retention deletes as much as arrives; it is not vacuumed (that would block the writer).
/// On PostgreSQL, raw readings are kept in day partitions (<see cref="ReadingPartitions"/>): each pass creates the coming
/// days' partitions and drops the expired ones whole.
/// </summary>
internal sealed class HistoryRetention(
    DatabaseConnection database,
    IOptions<HistoryOptions> options,
    TimeProvider clock,
    InstanceElection election,
    ILogger<HistoryRetention> logger) : BackgroundService
{
    public const int Chunk = 2000;

    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(20);

    private readonly LogLimiter _errorLog = new(TimeSpan.FromMinutes(1));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RetentionInterval, clock);
        try
        {
            do
            {
                await election.WaitUntilElectedAsync(stoppingToken); // one instance of a cluster applies it to the shared database
                try
                {
                    var deleted = database.Provider == StorageProvider.PostgreSQL
                        ? await RunPostgreSqlAsync(database.ConnectionString, stoppingToken)
                        : await RunAsync(database.ConnectionString, stoppingToken);
                    if (deleted > 0)
                    {
                        logger.LogInformation("History retention deleted {Rows} expired rows", deleted);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    if (_errorLog.ShouldLog())
                    {
                        logger.LogError(ex, "History retention failed; it tries again in {Interval}", options.Value.RetentionInterval);
                    }
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping, or a start that failed (a port in use): nothing went wrong here.
        }
    }

    /// <summary>One pass over every series and table; returns the rows deleted.</summary>
    internal async Task<long> RunAsync(string connectionString, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var o = options.Value;
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        using (var pragmas = connection.CreateCommand())
        {
            pragmas.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;";
            pragmas.ExecuteNonQuery();
        }

        var seriesIds = new List<long>();
        using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT Id FROM Series ORDER BY Id";
            using var reader = list.ExecuteReader();
            while (reader.Read())
            {
                seriesIds.Add(reader.GetInt64(0));
            }
        }

        long deleted = 0;
        var sincePause = 0;
        foreach (var (table, column, retention) in new[]
        {
            ("Readings", "Time", o.RawRetention),
            ("MinuteRollups", "Bucket", o.MinuteRetention),
            ("HourRollups", "Bucket", o.HourRetention),
        })
        {
            using var delete = connection.CreateCommand();
            // The oldest Chunk rows of one series below the cutoff: a range of its primary key.
            delete.CommandText = $"""
                DELETE FROM {table} WHERE SeriesId = $series AND {column} < $cutoff AND {column} <= coalesce(
                    (SELECT {column} FROM {table} WHERE SeriesId = $series AND {column} < $cutoff ORDER BY {column} LIMIT 1 OFFSET {Chunk - 1}),
                    $cutoff)
                """;
            var series = delete.Parameters.Add("$series", SqliteType.Integer);
            delete.Parameters.AddWithValue("$cutoff", (now - retention).ToUnixTimeMilliseconds());
            foreach (var id in seriesIds)
            {
                series.Value = id;
                int rows;
                do
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    rows = delete.ExecuteNonQuery();
                    deleted += rows;
                    sincePause += rows;
                    if (sincePause >= Chunk)
                    {
                        // A pause after every chunk's worth of deletes: the writer, waiting in SQLite's busy handler
                        // (which sleeps and retries), finds the database free instead of losing every race for it.
                        sincePause = 0;
                        await Task.Delay(Pause, cancellationToken);
                    }
                }
                while (rows == Chunk);
            }
        }

        using (var optimize = connection.CreateCommand())
        {
            optimize.CommandText = "PRAGMA optimize;";
            optimize.ExecuteNonQuery();
        }

        return deleted;
    }

    /// <summary>One pass on PostgreSQL: partitions for the next days, expired ones dropped, expired rollups deleted.</summary>
    internal async Task<long> RunPostgreSqlAsync(string connectionString, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var o = options.Value;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await ReadingPartitions.EnsureAsync(connection, now - TimeSpan.FromDays(1), now + TimeSpan.FromDays(3), logger, cancellationToken);
        var dropped = await ReadingPartitions.DropBeforeAsync(connection, now - o.RawRetention, cancellationToken);
        if (dropped > 0)
        {
            logger.LogInformation("History retention dropped {Partitions} day partitions of raw readings", dropped);
        }

        long deleted = 0;
        foreach (var (table, column, retention) in new[]
        {
            ("Readings_default", "Time", o.RawRetention),
            ("MinuteRollups", "Bucket", o.MinuteRetention),
            ("HourRollups", "Bucket", o.HourRetention),
        })
        {
            await using var delete = new NpgsqlCommand($"""DELETE FROM "{table}" WHERE "{column}" < @cutoff""", connection);
            delete.Parameters.AddWithValue("cutoff", (now - retention).ToUnixTimeMilliseconds());
            deleted += await delete.ExecuteNonQueryAsync(cancellationToken);
        }

        return deleted;
    }
}
