using Dashboard.Broker;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Dashboard.History;

/// <summary>
/// Deletes what has outlived its retention: raw readings after <see cref="HistoryOptions.RawRetention"/>, minute and
/// hour rollups after theirs; at start-up and every <see cref="HistoryOptions.RetentionInterval"/>. It deletes series
/// by series through the primary key, at most <see cref="Chunk"/> rows per statement, each its own short transaction,
/// so the writer never waits for more than one chunk. Freed pages are reused by new readings, so the file stops
/// growing once retention deletes as much as arrives; it is not vacuumed (that would block the writer).
/// </summary>
internal sealed class HistoryRetention(
    IServiceScopeFactory scopes,
    IOptions<HistoryOptions> options,
    TimeProvider clock,
    ILogger<HistoryRetention> logger) : BackgroundService
{
    public const int Chunk = 2000;

    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(20);

    private readonly LogLimiter _errorLog = new(TimeSpan.FromMinutes(1));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var connectionString = HistoryWriter.ConnectionString(scopes);
        using var timer = new PeriodicTimer(options.Value.RetentionInterval, clock);
        do
        {
            try
            {
                var deleted = await RunAsync(connectionString, stoppingToken);
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
}
