using Dashboard.Alerts.Notifications;
using Dashboard.ScaleOut;
using Dashboard.Storage;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Alerts;

/// <summary>The outcome of a rule edit: the saved rule, the validation errors, or nothing found to edit.</summary>
public sealed record AlertRuleResult(AlertRule? Rule, IReadOnlyDictionary<string, string[]> Errors, bool NotFound = false)
{
    public static readonly AlertRuleResult Missing = new(null, new Dictionary<string, string[]>(), NotFound: true);
}

/// <summary>
/// A page of alerts: <see cref="Items"/> on page <see cref="Page"/> (1 first) of <see cref="Limit"/> each, out of
/// <see cref="Total"/>; and the overflows of the rules asked about, which no page lists one by one.
/// </summary>
public sealed record AlertPage(IReadOnlyList<Alert> Items, int Total, int Page, int Limit, IReadOnlyList<AlertOverflow> Overflow);

/// <summary>
/// What the API and the UI do with alerts: edit rules (validated, stored, then handed to the engine) and read and
/// acknowledge alerts. Open alerts come from the engine, which has them first; cleared ones from the database,
/// together with the engine's last few that may not be stored yet.
/// </summary>
internal sealed class AlertService(
    AlertEngine engine, AlertFeed feed, NotificationChannels channels, InstanceMessages instances, IServiceScopeFactory scopes, TimeProvider clock)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;
    public const int MaxPage = 1_000_000;

    // Rule edits one at a time, so the uniqueness check and the engine see them in the order they are stored.
    private readonly SemaphoreSlim _edits = new(1, 1);

    public IReadOnlyList<AlertRule> Rules() => engine.Rules();

    public AlertRule? Rule(long id) => engine.Rule(id);

    /// <summary>How many alerts are open, and how many more series overflows count; for badges, without listing them.</summary>
    public OpenAlertCounts Counts() => engine.Counts();

    public Task<AlertRuleResult> CreateAsync(AlertRuleInput input) => SaveAsync(0, input);

    public Task<AlertRuleResult> UpdateAsync(long id, AlertRuleInput input) => SaveAsync(id, input);

    public async Task<AlertRuleResult> SetEnabledAsync(long id, bool enabled)
    {
        if (engine.Rule(id) is not { } rule)
        {
            return AlertRuleResult.Missing;
        }

        var input = AlertRuleInput.From(rule);
        input.Enabled = enabled;
        return await SaveAsync(id, input);
    }

    /// <summary>Validates <paramref name="input"/> as it would be saved, without saving (the rule form asks as the user types).</summary>
    public AlertRuleValidation Validate(long id, AlertRuleInput input) =>
        AlertRuleValidator.Validate(input, id, engine.Rules().Where(r => r.Id != id).Select(r => r.Name), channels.Ids());

    public async Task<bool> DeleteAsync(long id)
    {
        await _edits.WaitAsync();
        try
        {
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
            await db.Set<AlertRuleChannelEntity>().Where(c => c.RuleId == id).ExecuteDeleteAsync();
            var removed = await db.Set<AlertRuleEntity>().Where(r => r.Id == id).ExecuteDeleteAsync();
            if (removed > 0)
            {
                engine.RemoveRule(id);
                feed.RulesChanged();
                AlertReplication.RuleEdited(instances, id);
            }

            return removed > 0;
        }
        finally
        {
            _edits.Release();
        }
    }

    /// <summary>One page of open alerts (active before acknowledged, newest first) and every rule's overflow, from the engine alone.</summary>
    public AlertPage OpenPage(int page, int limit)
    {
        page = Math.Clamp(page, 1, MaxPage);
        var (items, total) = engine.OpenAlertsPage(null, null, (int)Math.Min((page - 1L) * limit, int.MaxValue), limit);
        return new(items, total, page, limit, Overflows(null));
    }

    /// <summary>
    /// One page of alerts of one state (or open ones first, then cleared ones), active before acknowledged, newest first
    /// (by when they were raised), of one rule or all. Open ones come from the engine, which holds at most
    /// <c>Alerts:MaxOpenAlertsPerRule</c> per rule; cleared ones a page at a time from the database.
    /// </summary>
    public async Task<AlertPage> PageAsync(AlertState? state, long? ruleId = null, int page = 1, int limit = DefaultLimit, CancellationToken cancellationToken = default)
    {
        limit = Math.Clamp(limit, 1, MaxLimit);
        page = Math.Clamp(page, 1, MaxPage);
        var offset = (int)Math.Min((page - 1L) * limit, int.MaxValue);
        var overflow = Overflows(ruleId);
        if (state == AlertState.Cleared)
        {
            var (cleared, clearedTotal) = await ClearedAsync(ruleId, offset, limit, cancellationToken);
            return new(cleared, clearedTotal, page, limit, overflow);
        }

        var (open, openTotal) = engine.OpenAlertsPage(state, ruleId, offset, limit);
        if (state is not null)
        {
            return new(open, openTotal, page, limit, overflow);
        }

        // Open ones first, then cleared ones: the cleared part of this page starts where the open ones ended.
        var (rest, restTotal) = await ClearedAsync(ruleId, Math.Max(0, offset - openTotal), limit - open.Count, cancellationToken);
        return new([.. open, .. rest], openTotal + restTotal, page, limit, overflow);
    }

    private List<AlertOverflow> Overflows(long? ruleId) =>
        [.. engine.Overflows().Where(o => ruleId is null || o.RuleId == ruleId).OrderBy(o => o.RuleName, StringComparer.OrdinalIgnoreCase)];

    public async Task<Alert?> FindAsync(long id)
    {
        if (engine.Find(id) is { } alert)
        {
            return alert;
        }

        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
        var stored = await db.Set<AlertEntity>().AsNoTracking().Include(a => a.Events).FirstOrDefaultAsync(a => a.Id == id);
        return stored?.ToAlert();
    }

    /// <summary>Acknowledges an open alert (again is fine), noting who did. Null when there is no open alert with that id.</summary>
    /// <remarks>With several instances, one that only has a copy of the alert asks the judging one, and answers with its copy acknowledged.</remarks>
    public Alert? Acknowledge(long id, string? by = null)
    {
        var alert = engine.Acknowledge(id, by);
        if (alert is not null)
        {
            AlertReplication.Acknowledge(instances, engine, id, by);
        }

        return alert;
    }

    private async Task<AlertRuleResult> SaveAsync(long id, AlertRuleInput input)
    {
        await _edits.WaitAsync();
        try
        {
            if (id != 0 && engine.Rule(id) is null)
            {
                return AlertRuleResult.Missing;
            }

            var validation = Validate(id, input);
            if (validation.Rule is not { } rule)
            {
                return new AlertRuleResult(null, validation.Errors);
            }

            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
            var entity = id == 0 ? new AlertRuleEntity() : await db.Set<AlertRuleEntity>().Include(r => r.Channels).FirstOrDefaultAsync(r => r.Id == id);
            if (entity is null)
            {
                return AlertRuleResult.Missing;
            }

            entity.CopyFrom(rule, clock.GetUtcNow().UtcDateTime);
            if (id == 0)
            {
                db.Add(entity);
            }

            try
            {
                await db.SaveChangesAsync();
            }
            catch (DbUpdateException) when (rule.Channels.Any(c => !channels.Ids().Contains(c)))
            {
                return new AlertRuleResult(null, new Dictionary<string, string[]> { ["channels"] = ["A notification channel was deleted meanwhile: pick again."] });
            }

            rule = rule with { Id = entity.Id };
            engine.SetRule(rule);
            feed.RulesChanged();
            AlertReplication.RuleEdited(instances, rule.Id);
            return new AlertRuleResult(rule, validation.Errors);
        }
        finally
        {
            _edits.Release();
        }
    }

    /// <summary>
    /// Cleared alerts, newest first, from the database; the first page also has the engine's last few, which may not be
    /// stored yet. <paramref name="take"/> 0 only counts.
    /// </summary>
    private async Task<(IReadOnlyList<Alert> Items, int Total)> ClearedAsync(long? ruleId, int offset, int take, CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
        var query = db.Set<AlertEntity>().AsNoTracking().Where(a => a.State == AlertState.Cleared);
        if (ruleId is { } id)
        {
            query = query.Where(a => a.RuleId == id);
        }

        var total = await query.CountAsync(cancellationToken);
        if (take <= 0)
        {
            return ([], total);
        }

        var stored = await query.Include(a => a.Events)
            .OrderByDescending(a => a.RaisedAt).ThenByDescending(a => a.Id)
            .Skip(offset).Take(take)
            .ToListAsync(cancellationToken);
        var items = stored.Select(a => a.ToAlert()).ToList();
        if (offset == 0)
        {
            var shown = items.Select(a => a.Id).ToHashSet();
            var unstored = engine.RecentlyCleared().Where(a => (ruleId is null || a.RuleId == ruleId) && !shown.Contains(a.Id)
                && (items.Count < take || AlertEvaluator.NewestFirst(a, items[^1]) < 0)).ToList();
            if (unstored.Count > 0)
            {
                items.AddRange(unstored);
                items.Sort(AlertEvaluator.NewestFirst);
                items = [.. items.Take(take)];
                total = Math.Max(total, items.Count);
            }
        }

        return (items, total);
    }
}
