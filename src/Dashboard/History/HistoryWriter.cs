using System.Diagnostics;
using System.Threading.Channels;
using Dashboard.History.PostgreSql;
using Dashboard.Storage;
using Microsoft.Extensions.Options;

namespace Dashboard.History;

/// <summary>
/// Drains the recorder's buffer into the database: a batch is written once it holds <see cref="HistoryOptions.MaxBatch"/>
/// readings or its first reading has waited <see cref="HistoryOptions.FlushInterval"/>, whichever comes first, in one
/// transaction. A crash therefore loses at most what was still in memory. A batch the database refuses (a PostgreSQL
/// restart, a locked or full disk) is tried again with a fresh connection, waiting longer each time, for up to
/// <see cref="RetryFor"/>; meanwhile new readings wait in the recorder's buffer (<see cref="HistoryOptions.BufferCapacity"/>,
/// beyond which they are dropped and counted). Only a batch still refused after that is dropped, counted and logged.
/// </summary>
internal sealed class HistoryWriter(
    HistoryRecorder recorder,
    DatabaseConnection database,
    IOptions<HistoryOptions> options,
    HistoryStats stats,
    ILogger<HistoryWriter> logger) : BackgroundService
{
    private static readonly TimeSpan RetryFor = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(10);
    private readonly HistoryOptions _options = options.Value;
    private readonly LogLimiter _errorLog = new(TimeSpan.FromSeconds(10));
    private IHistoryStore? _store;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = recorder.Reader;
        var batch = new PendingReading[_options.MaxBatch];
        var count = 0;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                var deadline = Stopwatch.GetTimestamp() + (long)(_options.FlushInterval.TotalSeconds * Stopwatch.Frequency);
                count = Drain(reader, batch, count);
                if (count < batch.Length)
                {
                    // A partial batch waits for more, so a slow trickle still costs one transaction per interval, not one per reading.
                    var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, stoppingToken);
                    }

                    count = Drain(reader, batch, count);
                }

                await FlushAsync(batch, count, stoppingToken);
                count = 0;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            // On the way out: what is in memory now still gets written.
            bool full;
            do
            {
                count = Drain(reader, batch, count);
                full = count == batch.Length;
                Flush(batch.AsSpan(0, count));
                count = 0;
            }
            while (full);

            _store?.Dispose();
            _store = null;
        }
    }

    private static int Drain(ChannelReader<PendingReading> reader, PendingReading[] batch, int count)
    {
        while (count < batch.Length && reader.TryRead(out var reading))
        {
            batch[count++] = reading;
        }

        return count;
    }

    /// <summary>Writes the batch, trying again while the database refuses it (up to <see cref="RetryFor"/>, or until the app stops).</summary>
    private async Task FlushAsync(PendingReading[] batch, int count, CancellationToken stoppingToken)
    {
        var giveUp = Stopwatch.GetTimestamp() + (long)(RetryFor.TotalSeconds * Stopwatch.Frequency);
        var wait = TimeSpan.FromMilliseconds(500);
        while (!TryWrite(batch.AsSpan(0, count), out var error))
        {
            if (Stopwatch.GetTimestamp() > giveUp || stoppingToken.IsCancellationRequested)
            {
                Lost(batch.AsSpan(0, count), error);
                return;
            }

            if (_errorLog.ShouldLog())
            {
                logger.LogWarning("History cannot write to the database ({Error}); {Count} readings wait and are tried again, new ones are held in memory (History:BufferCapacity)",
                    error.Message, count);
            }

            try
            {
                await Task.Delay(wait, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                // Stopping: one last try below, then what is still refused is lost.
            }

            wait = wait * 2 < LongestWait ? wait * 2 : LongestWait;
        }
    }

    /// <summary>One attempt; on the way out (the finally above) a refused batch is lost at once.</summary>
    private void Flush(Span<PendingReading> batch)
    {
        if (!TryWrite(batch, out var error))
        {
            Lost(batch, error);
        }
    }

    private bool TryWrite(Span<PendingReading> batch, out Exception error)
    {
        error = null!;
        if (batch.IsEmpty)
        {
            return true;
        }

        try
        {
            _store ??= database.Provider == StorageProvider.PostgreSQL
                ? PostgreSqlHistoryStore.Open(database.ConnectionString)
                : HistoryStore.Open(database.ConnectionString);
            var (stored, duplicates) = _store.Write(batch);
            stats.OnBatch(stored, duplicates);
            batch.Clear(); // the slots pin no series or units between batches
            return true;
        }
        catch (Exception ex)
        {
            // Whatever the database says (locked past the busy timeout, disk full, file removed), the writer must not take
            // the app down: the next attempt gets a fresh connection.
            error = ex;
            _store?.Dispose();
            _store = null;
            return false;
        }
    }

    private void Lost(Span<PendingReading> batch, Exception error)
    {
        var failed = stats.OnFailed(batch.Length);
        logger.LogError(error, "History could not write a batch of {Count} readings and gave up; {Failed} readings lost so far", batch.Length, failed);
        batch.Clear();
    }
}
