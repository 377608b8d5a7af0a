using System.Globalization;
using System.Text.Json;
using Dashboard.Alerts.Notifications;
using Dashboard.ScaleOut;
using Dashboard.Storage;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Alerts;

/// <summary>
/// Alerts with several instances (<c>Redis:Configuration</c>). Only the elected instance's engine judges, so each alert
/// is raised once and ids come from one sequence; it stores and sends every change, then tells the other instances
/// (<see cref="Changes"/>), whose engines are copies for their own pages and hub clients. An acknowledgement made on
/// another instance goes to the judging one; rule and channel edits, stored by whichever instance made them, are read
/// again by all. When the election moves, the new instance reads the rules and open alerts from the database and judges
/// from what its live view knows (every instance's live view sees every message). Without Redis: nothing to do.
/// </summary>
internal sealed class AlertReplication(
    AlertEngine engine,
    AlertFeed feed,
    AlertDispatcher dispatcher,
    NotificationChannels channels,
    InstanceElection election,
    InstanceMessages messages,
    IServiceScopeFactory scopes,
    TimeProvider clock,
    ILogger<AlertReplication> logger) : BackgroundService
{
    internal const string Changes = "alerts:changes";
    private const string Acknowledgements = "alerts:acknowledge";
    private const string RuleEdits = "alerts:rules";
    private const string ChannelEdits = "alerts:channels";
    private static readonly TimeSpan RoleCheck = TimeSpan.FromSeconds(1);

    /// <summary>The judging instance's changes, once stored, for the others' copies.</summary>
    public static void Publish(InstanceMessages messages, IReadOnlyList<AlertTransition> batch)
    {
        if (messages.IsClustered)
        {
            messages.Publish(Changes, JsonSerializer.Serialize(batch.Select(t => t.Alert)));
        }
    }

    /// <summary>Asks the judging instance to acknowledge an alert this one (<paramref name="engine"/>) only has a copy of.</summary>
    public static void Acknowledge(InstanceMessages messages, AlertEngine engine, long id, string? by)
    {
        if (!engine.Evaluating)
        {
            messages.Publish(Acknowledgements, JsonSerializer.Serialize(new AcknowledgeRequest(id, by)));
        }
    }

    public static void RuleEdited(InstanceMessages messages, long id) => messages.Publish(RuleEdits, id.ToString(CultureInfo.InvariantCulture));

    public static void ChannelsEdited(InstanceMessages messages) => messages.Publish(ChannelEdits, "");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!messages.IsClustered)
        {
            return;
        }

        messages.Subscribe(Changes, OnChangesAsync);
        messages.Subscribe(Acknowledgements, OnAcknowledge);
        messages.Subscribe(RuleEdits, OnRuleEditAsync);
        messages.Subscribe(ChannelEdits, _ => OnChannelEditAsync(stoppingToken));
        try
        {
            using var timer = new PeriodicTimer(RoleCheck, clock);
            do
            {
                await FollowElectionAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task FollowElectionAsync(CancellationToken cancellationToken)
    {
        var elected = election.IsElected;
        if (elected == engine.Evaluating)
        {
            return;
        }

        if (!elected)
        {
            engine.StepDown();
            logger.LogInformation("Another instance judges alerts now; this one shows its alerts");
            return;
        }

        try
        {
            var (rules, open, lastStored) = await AlertEngineHost.ReadStoredAsync(scopes, cancellationToken);
            // Past every id seen too: the last judge's newest alerts may not be stored yet.
            engine.Load(rules, open, Math.Max(lastStored, engine.NextAlertId - 1), takingOver: true);
            logger.LogInformation("This instance judges alerts now: {Rules} rules, {Open} open alerts", rules.Count, open.Count);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Could not take over judging alerts; trying again");
        }
    }

    private async Task OnChangesAsync(string message)
    {
        if (engine.Evaluating)
        {
            return; // its own, stored and sent already
        }

        var alerts = JsonSerializer.Deserialize<Alert[]>(message) ?? [];
        engine.Mirror(alerts);
        await dispatcher.ShowAsync([.. alerts.Select(a => new AlertTransition(a))]);
    }

    private Task OnAcknowledge(string message)
    {
        if (engine.Evaluating && JsonSerializer.Deserialize<AcknowledgeRequest>(message) is { } request)
        {
            engine.Acknowledge(request.Id, request.By);
        }

        return Task.CompletedTask;
    }

    private Task OnRuleEditAsync(string message) => ReadRulesAsync(long.Parse(message, CultureInfo.InvariantCulture), CancellationToken.None);

    /// <summary>A deleted channel leaves the rules that named it: their channels are read again too.</summary>
    private async Task OnChannelEditAsync(CancellationToken cancellationToken)
    {
        await channels.LoadAsync(cancellationToken);
        channels.Reloaded();
        await ReadRulesAsync(null, cancellationToken);
    }

    /// <summary>
    /// Reads one rule (or all) again and gives it to the engine; on the instance that edited it, it is already as stored,
    /// and nothing changes.
    /// </summary>
    private async Task ReadRulesAsync(long? id, CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
        var query = db.Set<AlertRuleEntity>().AsNoTracking().Include(r => r.Channels).AsQueryable();
        var stored = await (id is { } one ? query.Where(r => r.Id == one) : query).ToListAsync(cancellationToken);
        var ids = stored.Select(r => r.Id).ToHashSet();
        foreach (var gone in engine.Rules().Where(r => (id is null || r.Id == id) && !ids.Contains(r.Id)))
        {
            engine.RemoveRule(gone.Id);
        }

        foreach (var rule in stored)
        {
            engine.SetRule(rule.ToRule());
        }

        feed.RulesChanged();
    }

    private sealed record AcknowledgeRequest(long Id, string? By);
}
