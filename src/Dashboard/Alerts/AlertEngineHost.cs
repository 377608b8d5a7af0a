using Dashboard.Live;
using Dashboard.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Dashboard.Alerts;

/// <summary>
/// Starts the engine with the stored rules and open alerts (after the database is migrated, before the dashboard
/// serves requests), feeds it device presence from live state, and ticks it every <c>Alerts:EvaluationInterval</c>
/// (the tick also samples the broker's health for health rules).
/// </summary>
internal sealed class AlertEngineHost(
    AlertEngine engine,
    AlertDispatcher dispatcher,
    LiveFeed feed,
    IServiceScopeFactory scopes,
    IOptions<AlertsOptions> options,
    TimeProvider clock,
    ILogger<AlertEngineHost> logger) : BackgroundService
{
    private IDisposable? _presence;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var (rules, open, lastId) = await ReadStoredAsync(scopes, cancellationToken);
        engine.Load(rules, open, lastId);
        logger.LogInformation("Alerts: {Rules} rules, {Open} open alerts", rules.Count, open.Count);

        _presence = feed.Subscribe(OnLiveBatch);
        await base.StartAsync(cancellationToken);
    }

    /// <summary>The stored rules, the alerts still open, and the highest alert id: what an engine starts judging from.</summary>
    internal static async Task<(List<AlertRule> Rules, List<Alert> Open, long LastId)> ReadStoredAsync(IServiceScopeFactory scopes, CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
        var rules = await db.Set<AlertRuleEntity>().AsNoTracking().Include(r => r.Channels).ToListAsync(cancellationToken);
        var open = await db.Set<AlertEntity>().AsNoTracking().Include(a => a.Events)
            .Where(a => a.State != AlertState.Cleared).ToListAsync(cancellationToken);
        var lastId = await db.Set<AlertEntity>().MaxAsync(a => (long?)a.Id, cancellationToken) ?? 0;
        return ([.. rules.Select(r => r.ToRule())], [.. open.Select(a => a.ToAlert())], lastId);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _presence?.Dispose();
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.EvaluationInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var overflows = engine.Tick();
                if (overflows.Count > 0)
                {
                    await dispatcher.SendOverflowsAsync(overflows, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void OnLiveBatch(LiveBatch batch)
    {
        if (batch.Overflowed)
        {
            // Some changes were left out of this batch: take every device as it is now. Only devices: readings go to the
            // engine through ingestion, and a flood of new topics overflows every batch (a storm would re-read them all).
            engine.CatchUpWithLiveState(readings: false);
        }

        foreach (var change in batch.Changes)
        {
            if (change is PresenceChanged presence)
            {
                engine.OnPresence(presence.DeviceId, presence.Status, presence.Time);
            }
        }
    }
}
