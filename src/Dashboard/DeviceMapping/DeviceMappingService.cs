using Dashboard.Devices.Mapping;
using Dashboard.ScaleOut;
using Dashboard.Storage;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.DeviceMapping;

/// <summary>The outcome of replacing the Settings rules: the rules now in force, or the errors by field (<c>rules[1]</c>).</summary>
public sealed record MappingRulesResult(IReadOnlyList<TopicPattern>? Rules, IReadOnlyDictionary<string, string[]> Errors);

/// <summary>
/// The mapping rules edited in Settings and through <c>/api/device-mapping-rules</c>: validated, stored in the database,
/// then handed to ingestion (<see cref="MappingRules.SetStored"/>), so they apply to the next publish without a restart.
/// </summary>
public sealed class DeviceMappingService(MappingRules rules, IServiceScopeFactory scopes, TimeProvider clock, ILogger<DeviceMappingService> logger)
{
    public const int MaxRules = 200;

    private readonly SemaphoreSlim _edits = new(1, 1);
    private readonly SubscriberList<IReadOnlyList<TopicPattern>> _changed = new(logger, "mapping rules");

    public IReadOnlyList<TopicPattern> Configured => rules.Configured;

    public IReadOnlyList<TopicPattern> Stored => rules.Stored;

    /// <summary>Told after every change, with the rules now stored (another admin's Settings page refreshes).</summary>
    public IDisposable SubscribeChanged(Action<IReadOnlyList<TopicPattern>> subscriber) => _changed.Subscribe(subscriber);

    /// <summary>Reads each pattern; the errors are keyed <c>rules[i]</c>, with the message the Settings page shows.</summary>
    public static IReadOnlyDictionary<string, string[]> Validate(IReadOnlyList<string?> patterns, out List<TopicPattern> parsed)
    {
        parsed = [];
        var errors = new Dictionary<string, string[]>();
        if (patterns.Count > MaxRules)
        {
            errors["rules"] = [$"At most {MaxRules} rules."];
        }

        for (var i = 0; i < patterns.Count; i++)
        {
            if (TopicPattern.TryParse(patterns[i], out var pattern, out var error))
            {
                parsed.Add(pattern!);
            }
            else
            {
                errors[$"rules[{i}]"] = [error!];
            }
        }

        return errors;
    }

    /// <summary>Replaces every Settings rule with <paramref name="patterns"/>, in this order; nothing changes if one is invalid.</summary>
    public async Task<MappingRulesResult> ReplaceAsync(IReadOnlyList<string?> patterns, CancellationToken cancellationToken = default)
    {
        var errors = Validate(patterns, out var parsed);
        if (errors.Count > 0)
        {
            return new(null, errors);
        }

        await _edits.WaitAsync(cancellationToken);
        try
        {
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await db.Set<DeviceMappingRuleEntity>().ExecuteDeleteAsync(cancellationToken);
            var now = clock.GetUtcNow().UtcDateTime;
            db.Set<DeviceMappingRuleEntity>().AddRange(parsed.Select((p, i) => new DeviceMappingRuleEntity { Position = i, Pattern = p.Text, UpdatedAt = now }));
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            rules.SetStored(parsed);
        }
        finally
        {
            _edits.Release();
        }

        _changed.Publish(parsed);
        return new(parsed, errors);
    }

    /// <summary>Hands the stored rules to ingestion; at start, before any hosted service runs (retained messages replayed at start are read with them).</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
        var stored = await db.Set<DeviceMappingRuleEntity>().AsNoTracking().OrderBy(r => r.Position).ThenBy(r => r.Id)
            .Select(r => r.Pattern).ToListAsync(cancellationToken);
        // A row that no longer reads (edited by hand in sqlite3) is skipped rather than stopping the start.
        rules.SetStored([.. stored.Select(p => TopicPattern.TryParse(p, out var pattern, out _) ? pattern : null).OfType<TopicPattern>()]);
    }
}

/// <summary>
/// Loads the stored rules in <c>StartingAsync</c>: after the database is migrated, before the broker replays retained
/// messages; and again when another instance replaced them, so every instance maps topics to the same devices.
/// </summary>
internal sealed class DeviceMappingLoader(DeviceMappingService service, InstanceMessages instances) : IHostedLifecycleService
{
    private const string Subject = "device-mapping";

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        await service.LoadAsync(cancellationToken);
        service.SubscribeChanged(_ => instances.Publish(Subject, ""));
        instances.Subscribe(Subject, _ => service.LoadAsync(CancellationToken.None));
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
