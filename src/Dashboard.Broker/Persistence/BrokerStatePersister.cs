using Dashboard.Broker.Retained;
using Dashboard.Broker.Sessions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Dashboard.Broker.Persistence;

/// <summary>
/// Writes retained messages and persistent sessions changed in memory to SQLite, in one transaction for everything
/// changed since the last: at once when a PUBACK/PUBREC waits for it (<see cref="WriteAhead"/>), else every
/// <see cref="BrokerOptions.PersistInterval"/>; once more after the broker has stopped. Also ends expired sessions.
/// </summary>
internal sealed class BrokerStatePersister(
    RetainedStore retained,
    PersistentSessions sessions,
    WriteAhead writeAhead,
    IServiceScopeFactory scopes,
    IOptions<BrokerOptions> options,
    TimeProvider clock,
    ILogger<BrokerStatePersister> logger) : BackgroundService
{
    private static readonly TimeSpan ExpirySweepInterval = TimeSpan.FromSeconds(30);
    private readonly SemaphoreSlim _flushing = new(1, 1); // not disposed: the host may call StopAsync after disposing services
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(100);
    private readonly LogLimiter _errorLog = new(TimeSpan.FromSeconds(30));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var periodic = options.Value.Durability == BrokerDurability.Periodic;
        var nextSweep = clock.GetUtcNow() + ExpirySweepInterval;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (periodic)
                {
                    await Task.Delay(options.Value.PersistInterval, clock, stoppingToken);
                }
                else
                {
                    await writeAhead.WaitForWorkAsync(options.Value.PersistInterval, stoppingToken);
                }

                if (!await FlushAsync(stoppingToken))
                {
                    await Task.Delay(RetryDelay, clock, stoppingToken); // the database is busy or failing: do not spin
                }

                var now = clock.GetUtcNow();
                if (now >= nextSweep)
                {
                    nextSweep = now + ExpirySweepInterval;
                    var expired = await sessions.RemoveExpiredAsync(now.UtcDateTime);
                    if (expired > 0)
                    {
                        logger.LogInformation("Ended {Count} expired persistent sessions", expired);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync(CancellationToken.None);
    }

    /// <summary>Writes everything changed so far; safe to call from anywhere (tests wait on it). False when it failed.</summary>
    public async Task<bool> FlushAsync(CancellationToken cancellationToken)
    {
        await _flushing.WaitAsync(cancellationToken);
        var noted = writeAhead.Noted; // read before taking the changes: each noted change is among them
        var changedSessions = sessions.TakeChanged();
        try
        {
            if (changedSessions.Count == 0 && retained.PendingCount == 0)
            {
                writeAhead.Committed(noted);
                return true;
            }

            using var scope = scopes.CreateScope();
            var db = BrokerDatabase.Get(scope.ServiceProvider);
            await db.Database.OpenConnectionAsync(cancellationToken);
            if (options.Value.Durability == BrokerDurability.Synced && db.Database.ProviderName == "Microsoft.EntityFrameworkCore.Sqlite")
            {
                await db.Database.ExecuteSqlRawAsync("PRAGMA synchronous=FULL", cancellationToken);
            }

            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var retainedWritten = await retained.FlushAsync(db, clock.GetUtcNow().UtcDateTime, cancellationToken);
            var sessionsWritten = await SessionStore.FlushAsync(db, changedSessions, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            retainedWritten();
            sessionsWritten();
            writeAhead.Committed(noted);
            return true;
        }
        catch (Exception ex)
        {
            foreach (var record in changedSessions)
            {
                lock (record)
                {
                    record.RewriteSubscriptions = true; // what the failed write took is not known to be stored
                }

                sessions.MarkChanged(record); // try again next time
            }

            if (ex is not OperationCanceledException && _errorLog.ShouldLog())
            {
                logger.LogError(ex, "Could not save broker state; will retry (acknowledgements that wait for it are held back)");
            }

            return false;
        }
        finally
        {
            _flushing.Release();
        }
    }
}
