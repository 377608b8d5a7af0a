using System.Diagnostics;
using System.Threading.Channels;
using Dashboard.History.PostgreSql;
using Dashboard.Storage;
using Microsoft.Extensions.Options;

namespace Dashboard.History;

/// <summary>
/// Drains the recorder's buffer into the database: a batch is written once it holds <see cref="HistoryOptions.MaxBatch"/>
/// readings or its first reading has waited <see cref="HistoryOptions.FlushInterval"/>, whichever comes first, in one
/// transaction. A crash therefore loses at most what was still in memory; a batch the database refuses is dropped,
/// counted and logged, and the writer carries on with a fresh connection.
/// </summary>
internal sealed class HistoryWriter(
    HistoryRecorder recorder,
    DatabaseConnection database,
    IOptions<HistoryOptions> options,
    HistoryStats stats,
    ILogger<HistoryWriter> logger) : BackgroundService
{
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

                Flush(batch.AsSpan(0, count));
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

    private void Flush(Span<PendingReading> batch)
    {
        if (batch.IsEmpty)
        {
            return;
        }

        try
        {
            _store ??= database.Provider == StorageProvider.PostgreSQL
                ? PostgreSqlHistoryStore.Open(database.ConnectionString)
                : HistoryStore.Open(database.ConnectionString);
            var (stored, duplicates) = _store.Write(batch);
            stats.OnBatch(stored, duplicates);
        }
        catch (Exception ex)
        {
            // Whatever the database says (locked past the busy timeout, disk full, file removed), the writer
            // must not take the app down: this batch is lost, the next one gets a fresh connection.
            var failed = stats.OnFailed(batch.Length);
            if (_errorLog.ShouldLog())
            {
                logger.LogError(ex, "History could not write a batch of {Count} readings; {Failed} readings lost so far", batch.Length, failed);
            }

            _store?.Dispose();
            _store = null;
        }
        finally
        {
            // Drop the references to series and units held by the slots, so the array pins nothing between batches.
            batch.Clear();
        }
    }
}
