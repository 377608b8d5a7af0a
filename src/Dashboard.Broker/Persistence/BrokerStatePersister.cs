using Dashboard.Broker.Retained;
using Dashboard.Broker.Sessions;
using Microsoft.Extensions.Options;

namespace Dashboard.Broker.Persistence;

/// <summary>
/// Writes retained messages and persistent sessions changed in memory to SQLite, one transaction every
/// <see cref="BrokerOptions.PersistInterval"/>, and once more after the broker has stopped; ends expired sessions.
/// A crash loses at most the last interval, like Mosquitto's autosave but much shorter.
/// </summary>
internal sealed class BrokerStatePersister(
    RetainedStore retained,
    PersistentSessions sessions,
    IServiceScopeFactory scopes,
    IOptions<BrokerOptions> options,
    TimeProvider clock,
    ILogger<BrokerStatePersister> logger) : BackgroundService
{
    private static readonly TimeSpan ExpirySweepInterval = TimeSpan.FromSeconds(30);
    private readonly SemaphoreSlim _flushing = new(1, 1); // not disposed: the host may call StopAsync after disposing services
    private readonly LogLimiter _errorLog = new(TimeSpan.FromSeconds(30));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PersistInterval, clock);
        var nextSweep = clock.GetUtcNow() + ExpirySweepInterval;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
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

    /// <summary>Writes everything changed so far; safe to call from anywhere (tests wait on it).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _flushing.WaitAsync(cancellationToken);
        var changedSessions = sessions.TakeChanged();
        try
        {
            if (changedSessions.Count == 0 && retained.PendingCount == 0)
            {
                return;
            }

            using var scope = scopes.CreateScope();
            var db = BrokerDatabase.Get(scope.ServiceProvider);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var retainedWritten = await retained.FlushAsync(db, clock.GetUtcNow().UtcDateTime, cancellationToken);
            var sessionsWritten = await SessionStore.FlushAsync(db, changedSessions, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            retainedWritten();
            sessionsWritten();
        }
        catch (Exception ex)
        {
            foreach (var record in changedSessions)
            {
                lock (record)
                {
                    record.SubscriptionsChanged = true;
                }

                sessions.MarkChanged(record); // try again next time
            }

            if (ex is not OperationCanceledException && _errorLog.ShouldLog())
            {
                logger.LogError(ex, "Could not save broker state; will retry");
            }
        }
        finally
        {
            _flushing.Release();
        }
    }
}
