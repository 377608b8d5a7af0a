using Dashboard.Alerts.Notifications;
using Dashboard.Broker;
using Dashboard.Live;
using Dashboard.ScaleOut;
using Dashboard.Storage;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;

namespace Dashboard.Alerts;

/// <summary>
/// Drains the <see cref="AlertOutbox"/> in batches: stores each change (alert row and transition row) in one
/// transaction, then tells the UI (<see cref="AlertFeed"/>), the hub's clients (<c>alerts</c>), MQTT subscribers
/// (<c>Alerts:MqttTopicPrefix/&lt;rule&gt;</c>), the webhook queue and the rules' notification channels. Failures are logged (rate-limited) and
/// never stop the next batch. Also removes cleared alerts older than <c>Alerts:ClearedRetention</c>, hourly.
/// </summary>
internal sealed class AlertDispatcher(
    AlertOutbox outbox,
    AlertFeed feed,
    AlertWebhook webhook,
    NotificationDelivery notifications,
    IBrokerPublisher broker,
    IHubContext<TelemetryHub> hub,
    TelemetryHubConnections hubConnections,
    InstanceElection election,
    InstanceMessages instances,
    IServiceScopeFactory scopes,
    IOptions<AlertsOptions> options,
    TimeProvider clock,
    ILogger<AlertDispatcher> logger) : BackgroundService
{
    /// <summary>Who the Topics page says published an alert notice.</summary>
    internal const string Publisher = "dashboard alerts";

    private const int MaxBatch = 256;
    private static readonly TimeSpan PruneEvery = TimeSpan.FromHours(1);

    private readonly AlertsOptions _options = options.Value;
    private readonly LogLimiter _storeLog = new(TimeSpan.FromSeconds(10));
    private readonly LogLimiter _sendLog = new(TimeSpan.FromSeconds(10));
    private DateTimeOffset _nextPrune;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = outbox.Reader;
        var batch = new List<AlertTransition>(MaxBatch);
        try
        {
            await PruneAsync(stoppingToken);
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                while (batch.Count < MaxBatch && reader.TryRead(out var transition))
                {
                    batch.Add(transition);
                }

                await StoreAsync(batch, CancellationToken.None); // a batch begun is finished, even at shutdown
                await SendAsync(batch);
                batch.Clear();
                await PruneAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// On shutdown, stores what the engine changed last (an acknowledgement a moment ago, say) before the app stops: in
    /// batches, until the host's shutdown timeout, so a full outbox cannot hold the process up.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        var rest = new List<AlertTransition>(MaxBatch);
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                while (rest.Count < MaxBatch && outbox.Reader.TryRead(out var transition))
                {
                    rest.Add(transition);
                }

                if (rest.Count == 0)
                {
                    return;
                }

                await StoreAsync(rest, cancellationToken);
                rest.Clear();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Shutdown timed out: {Count} or more alert changes were not stored", rest.Count + outbox.Reader.Count);
        }
    }

    /// <summary>
    /// Tells the UI, the hub's clients, MQTT subscribers and the webhook that rules' overflows changed: one notice per
    /// rule per engine tick, however many series came or went.
    /// </summary>
    public async Task SendOverflowsAsync(IReadOnlyList<AlertOverflow> overflows, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var notices = overflows.Select(o => AlertOverflowNotice.From(o, now)).ToList();
        feed.PublishOverflows(overflows);
        foreach (var notice in notices)
        {
            webhook.Post(notice);
            notifications.Notify(notice);
        }

        try
        {
            if (hubConnections.Count > 0)
            {
                await hub.Clients.All.SendAsync("alertOverflows", notices, cancellationToken);
            }

            if (_options.PublishToMqtt && broker.IsRunning)
            {
                foreach (var notice in notices)
                {
                    await broker.PublishAsync(new MqttApplicationMessage
                    {
                        Topic = AlertNotice.Topic(_options.MqttTopicPrefix, notice.Overflow.Rule, notice.Overflow.RuleId),
                        PayloadSegment = notice.ToUtf8Json(),
                        QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
                        ContentType = "application/json",
                    }, Publisher);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            if (_sendLog.ShouldLog())
            {
                logger.LogWarning(ex, "Could not send alert overflow changes to hub clients or MQTT subscribers");
            }
        }
    }

    private async Task StoreAsync(List<AlertTransition> batch, CancellationToken cancellationToken)
    {
        try
        {
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
            var tracked = new Dictionary<long, AlertEntity>();
            foreach (var transition in batch)
            {
                var alert = transition.Alert;
                var change = transition.Event;
                if (!tracked.TryGetValue(alert.Id, out var entity))
                {
                    var isNew = change.State == AlertState.Active && alert.Events.Count == 1;
                    entity = isNew ? null : await db.Set<AlertEntity>().FindAsync([alert.Id], cancellationToken);
                    if (entity is null)
                    {
                        // New, or its earlier changes never reached the database (outbox overflow): the snapshot has it all.
                        entity = AlertEntity.From(alert);
                        db.Add(entity);
                    }

                    tracked[alert.Id] = entity;
                }

                entity.State = alert.State;
                entity.AcknowledgedAt = alert.AcknowledgedAt?.UtcDateTime;
                entity.ClearedAt = alert.ClearedAt?.UtcDateTime;
                db.Add(new AlertEventEntity { AlertId = alert.Id, State = change.State, Time = change.Time.UtcDateTime, Value = change.Value, Note = change.Note });
            }

            await db.SaveChangesAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            if (_storeLog.ShouldLog())
            {
                logger.LogError(ex, "Could not store {Count} alert changes", batch.Count);
            }
        }
    }

    /// <summary>Shows changes on this instance: its pages (<see cref="AlertFeed"/>) and its hub clients.</summary>
    public async Task ShowAsync(IReadOnlyList<AlertTransition> batch, IReadOnlyList<AlertNotice>? notices = null)
    {
        foreach (var transition in batch)
        {
            feed.Publish(transition);
        }

        try
        {
            if (hubConnections.Count > 0)
            {
                await hub.Clients.All.SendAsync("alerts", notices ?? [.. batch.Select(AlertNotice.From)]);
            }
        }
        catch (Exception ex)
        {
            if (_sendLog.ShouldLog())
            {
                logger.LogWarning(ex, "Could not send alert changes to hub clients");
            }
        }
    }

    private async Task SendAsync(List<AlertTransition> batch)
    {
        var notices = batch.Select(AlertNotice.From).ToList();
        await ShowAsync(batch, notices);
        AlertReplication.Publish(instances, batch);
        foreach (var notice in notices)
        {
            webhook.Post(notice);
            notifications.Notify(notice);
        }

        try
        {
            if (_options.PublishToMqtt && broker.IsRunning)
            {
                foreach (var notice in notices)
                {
                    await broker.PublishAsync(new MqttApplicationMessage
                    {
                        Topic = AlertNotice.Topic(_options.MqttTopicPrefix, notice.Alert.Rule, notice.Alert.RuleId),
                        PayloadSegment = notice.ToUtf8Json(),
                        QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
                        ContentType = "application/json",
                    }, Publisher);
                }
            }
        }
        catch (Exception ex)
        {
            if (_sendLog.ShouldLog())
            {
                logger.LogWarning(ex, "Could not send alert changes to MQTT subscribers");
            }
        }
    }

    private async Task PruneAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (now < _nextPrune || !election.IsElected)
        {
            return; // with several instances, the elected one prunes
        }

        _nextPrune = now + PruneEvery;
        try
        {
            var cutoff = (now - _options.ClearedRetention).UtcDateTime;
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
            var old = db.Set<AlertEntity>().Where(a => a.State == AlertState.Cleared && a.ClearedAt < cutoff);
            await db.Set<AlertEventEntity>().Where(e => old.Any(a => a.Id == e.AlertId)).ExecuteDeleteAsync(cancellationToken);
            var removed = await old.ExecuteDeleteAsync(cancellationToken);
            if (removed > 0)
            {
                logger.LogInformation("Removed {Count} alerts cleared before {Cutoff:u} (Alerts:ClearedRetention)", removed, cutoff);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not remove old cleared alerts");
        }
    }
}
