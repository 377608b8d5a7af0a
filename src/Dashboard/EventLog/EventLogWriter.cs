using Dashboard.Broker.Admin;
using Dashboard.ScaleOut;
using Dashboard.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Dashboard.EventLog;

/// <summary>
/// Reads the broker's refusals and writes them in batches, one transaction each, off the broker's path. Identical
/// refusals in one batch (a client retrying in a loop) become one row with a count. Also applies the retention: events
/// older than <see cref="EventLogOptions.Retention"/>, and the oldest beyond <see cref="EventLogOptions.MaxRows"/>, go.
/// </summary>
internal sealed class EventLogWriter(
    BrokerAuditFeed feed,
    EventLogService log,
    IServiceScopeFactory scopes,
    IOptions<EventLogOptions> options,
    TimeProvider clock,
    InstanceElection election,
    ILogger<EventLogWriter> logger) : BackgroundService
{
    private const int MaxBatch = 1000;

    // Refusals come in bursts (a reconnect loop, a scan): waiting this long gathers a burst into one transaction.
    private static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(10);
    private readonly LogLimiter _errorLog = new(TimeSpan.FromSeconds(30));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var nextSweep = DateTimeOffset.MinValue;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (clock.GetUtcNow() >= nextSweep)
                {
                    await SweepAsync(stoppingToken);
                    nextSweep = clock.GetUtcNow() + SweepInterval;
                }

                using var untilSweep = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                untilSweep.CancelAfter(SweepInterval);
                try
                {
                    await feed.WaitToReadAsync(untilSweep.Token);
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                    continue;
                }

                await Task.Delay(Gather, clock, stoppingToken);
                await WriteAsync(Coalesce(Take()), stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await WriteAsync(Coalesce(Take()), cancellationToken); // what arrived before the broker stopped
    }

    private List<BrokerAuditEvent> Take()
    {
        var batch = new List<BrokerAuditEvent>();
        while (batch.Count < MaxBatch && feed.TryRead(out var refusal))
        {
            batch.Add(refusal);
        }

        return batch;
    }

    /// <summary>One row per distinct refusal, at the time of the first, counting the others.</summary>
    internal static List<EventEntity> Coalesce(IEnumerable<BrokerAuditEvent> refusals) =>
        [.. refusals.GroupBy(r => (r.Kind, r.ClientId, r.UserName, r.Address, r.Topic, r.ReasonCode, r.Reason))
            .Select(g => new EventEntity
            {
                Time = g.First().Time.UtcDateTime,
                Kind = EventKinds.Of(g.Key.Kind),
                ClientId = g.Key.ClientId,
                UserName = g.Key.UserName,
                Address = g.Key.Address,
                Topic = g.Key.Topic,
                ReasonCode = g.Key.ReasonCode,
                Detail = g.Key.Reason,
                Count = g.Count(),
            })];

    private async Task WriteAsync(List<EventEntity> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return;
        }

        try
        {
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
            db.AddRange(events);
            await db.SaveChangesAsync(cancellationToken);
            log.Written();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            if (_errorLog.ShouldLog())
            {
                logger.LogError(ex, "Could not write {Count} events to the event log; they are lost", events.Count);
            }
        }
    }

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        if (!election.IsElected)
        {
            return; // another instance sweeps the shared table
        }

        try
        {
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
            var cutoff = (clock.GetUtcNow() - options.Value.Retention).UtcDateTime;
            var expired = await db.Set<EventEntity>().Where(e => e.Time < cutoff).ExecuteDeleteAsync(cancellationToken);
            var max = options.Value.MaxRows;
            var keepFrom = await db.Set<EventEntity>().OrderByDescending(e => e.Id).Skip(max - 1).Select(e => (long?)e.Id).FirstOrDefaultAsync(cancellationToken);
            var beyond = keepFrom is { } id ? await db.Set<EventEntity>().Where(e => e.Id < id).ExecuteDeleteAsync(cancellationToken) : 0;
            if (expired + beyond > 0)
            {
                logger.LogInformation("Event log: deleted {Expired} events older than {Retention} and {Beyond} beyond EventLog:MaxRows", expired, options.Value.Retention, beyond);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Could not apply the event log's retention; will try again");
        }
    }
}
