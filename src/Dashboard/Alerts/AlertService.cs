using Dashboard.Storage;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Alerts;

/// <summary>The outcome of a rule edit: the saved rule, the validation errors, or nothing found to edit.</summary>
public sealed record AlertRuleResult(AlertRule? Rule, IReadOnlyDictionary<string, string[]> Errors, bool NotFound = false)
{
    public static readonly AlertRuleResult Missing = new(null, new Dictionary<string, string[]>(), NotFound: true);
}

/// <summary>
/// What the API and the UI do with alerts: edit rules (validated, stored, then handed to the engine) and read and
/// acknowledge alerts. Open alerts come from the engine, which has them first; cleared ones from the database,
/// together with the engine's last few that may not be stored yet.
/// </summary>
internal sealed class AlertService(AlertEngine engine, AlertFeed feed, IServiceScopeFactory scopes, TimeProvider clock)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    // Rule edits one at a time, so the uniqueness check and the engine see them in the order they are stored.
    private readonly SemaphoreSlim _edits = new(1, 1);

    public IReadOnlyList<AlertRule> Rules() => engine.Rules();

    public AlertRule? Rule(long id) => engine.Rule(id);

    /// <summary>Active and acknowledged alerts, as the engine has them now.</summary>
    public IReadOnlyList<Alert> OpenAlerts() => engine.OpenAlerts();

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
        AlertRuleValidator.Validate(input, id, engine.Rules().Where(r => r.Id != id).Select(r => r.Name));

    public async Task<bool> DeleteAsync(long id)
    {
        await _edits.WaitAsync();
        try
        {
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
            var removed = await db.Set<AlertRuleEntity>().Where(r => r.Id == id).ExecuteDeleteAsync();
            if (removed > 0)
            {
                engine.RemoveRule(id);
                feed.RulesChanged();
            }

            return removed > 0;
        }
        finally
        {
            _edits.Release();
        }
    }

    /// <summary>Alerts newest first (by when they were raised): one state, or open ones and then recently cleared ones.</summary>
    public async Task<IReadOnlyList<Alert>> AlertsAsync(AlertState? state, int limit = DefaultLimit)
    {
        limit = Math.Clamp(limit, 1, MaxLimit);
        var open = engine.OpenAlerts();
        if (state is AlertState.Active or AlertState.Acknowledged)
        {
            return [.. open.Where(a => a.State == state).OrderByDescending(a => a.RaisedAt).ThenByDescending(a => a.Id).Take(limit)];
        }

        var cleared = await ClearedAsync(limit);
        IEnumerable<Alert> all = state == AlertState.Cleared ? cleared : open.Concat(cleared);
        return [.. all.OrderByDescending(a => a.RaisedAt).ThenByDescending(a => a.Id).Take(limit)];
    }

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
    public Alert? Acknowledge(long id, string? by = null) => engine.Acknowledge(id, by);

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
            var entity = id == 0 ? new AlertRuleEntity() : await db.Set<AlertRuleEntity>().FindAsync(id);
            if (entity is null)
            {
                return AlertRuleResult.Missing;
            }

            entity.CopyFrom(rule, clock.GetUtcNow().UtcDateTime);
            if (id == 0)
            {
                db.Add(entity);
            }

            await db.SaveChangesAsync();
            rule = rule with { Id = entity.Id };
            engine.SetRule(rule);
            feed.RulesChanged();
            return new AlertRuleResult(rule, validation.Errors);
        }
        finally
        {
            _edits.Release();
        }
    }

    private async Task<List<Alert>> ClearedAsync(int limit)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
        var stored = await db.Set<AlertEntity>().AsNoTracking().Include(a => a.Events)
            .Where(a => a.State == AlertState.Cleared)
            .OrderByDescending(a => a.RaisedAt).ThenByDescending(a => a.Id)
            .Take(limit)
            .ToListAsync();
        var byId = stored.Select(a => a.ToAlert()).ToDictionary(a => a.Id);
        foreach (var recent in engine.RecentlyCleared())
        {
            byId[recent.Id] = recent;
        }

        return [.. byId.Values];
    }
}
