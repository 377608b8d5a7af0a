using System.Text.Json;
using Dashboard.Devices.Controls;
using Dashboard.ScaleOut;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Dashboard.Controls;

/// <summary>An admin's changes to one control; null fields keep what the source said.</summary>
public sealed record ControlOverride
{
    public bool Hidden { get; init; }
    public string? Name { get; init; }
    public ControlKind? Kind { get; init; }
    public string? PayloadOn { get; init; }
    public string? PayloadOff { get; init; }
    public double? Min { get; init; }
    public double? Max { get; init; }
    public double? Step { get; init; }
    public string? StateTopic { get; init; }
    public IReadOnlyList<string>? Options { get; init; }
}

/// <summary>The admins' changes to controls, by device and control id: kept in memory, written through to the database.</summary>
public sealed class ControlOverrides(IServiceScopeFactory scopes)
{
    private readonly Lock _lock = new();
    private Dictionary<(string DeviceId, string ControlId), ControlOverride> _overrides = [];

    /// <summary>After an admin's change is stored here (not after a <see cref="LoadAsync"/>).</summary>
    public event Action? Changed;

    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var rows = await scope.ServiceProvider.GetRequiredService<Storage.DashboardDbContext>().Set<ControlOverrideRecord>().AsNoTracking().ToListAsync(cancellationToken);
        var loaded = rows.ToDictionary(r => (r.DeviceId, r.ControlId), r => JsonSerializer.Deserialize<ControlOverride>(r.Settings) ?? new ControlOverride());
        lock (_lock)
        {
            _overrides = loaded;
        }
    }

    public ControlOverride? Get(string deviceId, string controlId)
    {
        lock (_lock)
        {
            return _overrides.GetValueOrDefault((deviceId, controlId));
        }
    }

    /// <summary>Stores an admin's changes; null removes them (the control is as its source says again).</summary>
    public async Task SetAsync(string deviceId, string controlId, ControlOverride? settings, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Storage.DashboardDbContext>();
        var rows = db.Set<ControlOverrideRecord>();
        var row = await rows.FindAsync([deviceId, controlId], cancellationToken);
        if (settings is null && row is not null)
        {
            rows.Remove(row);
        }
        else if (settings is not null)
        {
            row ??= rows.Add(new ControlOverrideRecord { DeviceId = deviceId, ControlId = controlId }).Entity;
            row.Settings = JsonSerializer.Serialize(settings);
        }

        await db.SaveChangesAsync(cancellationToken);
        lock (_lock)
        {
            _overrides = new(_overrides);
            if (settings is null)
            {
                _overrides.Remove((deviceId, controlId));
            }
            else
            {
                _overrides[(deviceId, controlId)] = settings;
            }
        }

        Changed?.Invoke();
    }

    /// <summary>The control with the admin's changes, and whether it is hidden.</summary>
    public (ControlDefinition Control, bool Hidden) Apply(string deviceId, ControlDefinition control)
    {
        if (Get(deviceId, control.Id) is not { } change)
        {
            return (control, false);
        }

        return (control with
        {
            Name = change.Name ?? control.Name,
            Kind = change.Kind ?? control.Kind,
            PayloadOn = change.PayloadOn ?? control.PayloadOn,
            PayloadOff = change.PayloadOff ?? control.PayloadOff,
            StateOn = change.PayloadOn is null ? control.StateOn : null,
            StateOff = change.PayloadOff is null ? control.StateOff : null,
            Min = change.Min ?? control.Min,
            Max = change.Max ?? control.Max,
            Step = change.Step ?? control.Step,
            StateTopic = change.StateTopic is { Length: > 0 } topic ? topic : control.StateTopic,
            StatePath = change.StateTopic is { Length: > 0 } ? null : control.StatePath,
            Options = change.Options ?? control.Options,
        }, change.Hidden);
    }
}

/// <summary>One control's overrides, as JSON (<see cref="ControlOverride"/>), keyed by device and control id.</summary>
internal sealed class ControlOverrideRecord
{
    public string DeviceId { get; set; } = "";
    public string ControlId { get; set; } = "";
    public string Settings { get; set; } = "{}";
}

internal sealed class ControlOverrideConfiguration : IEntityTypeConfiguration<ControlOverrideRecord>
{
    public void Configure(EntityTypeBuilder<ControlOverrideRecord> entity)
    {
        entity.ToTable("ControlOverrides");
        entity.HasKey(r => new { r.DeviceId, r.ControlId });
    }
}

/// <summary>
/// Loads the overrides before the dashboard serves anything (the database is migrated by then), and again when another
/// instance changed one.
/// </summary>
internal sealed class ControlOverridesLoader(ControlOverrides overrides, InstanceMessages instances) : IHostedService
{
    private const string Subject = "control-overrides";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await overrides.LoadAsync(cancellationToken);
        overrides.Changed += () => instances.Publish(Subject, "");
        instances.Subscribe(Subject, _ => overrides.LoadAsync(CancellationToken.None));
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
