using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dashboard.ScaleOut;
using Dashboard.Storage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Alerts.Notifications;

/// <summary>The outcome of a channel edit: the saved channel, the validation errors, or nothing found to edit.</summary>
public sealed record ChannelResult(NotificationChannel? Channel, IReadOnlyDictionary<string, string[]> Errors, bool NotFound = false)
{
    public static readonly ChannelResult Missing = new(null, new Dictionary<string, string[]>(), NotFound: true);
}

/// <summary>Some channel was created, edited, deleted, or sent something: read them again.</summary>
public sealed record ChannelsChanged;

/// <summary>
/// The notification channels: stored in the database (secrets encrypted with Data Protection), held in memory for the
/// senders, edited one at a time. Deleting a channel takes it off every rule. Delivery figures are written as they change.
/// </summary>
internal sealed class NotificationChannels(
    IServiceScopeFactory scopes, IDataProtectionProvider protection, AlertEngine engine, AlertFeed feed, InstanceMessages instances, TimeProvider clock,
    ILogger<NotificationChannels> logger)
{
    internal static readonly JsonSerializerOptions SettingsJson = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private readonly IDataProtector _protector = protection.CreateProtector("Dashboard.Alerts.Notifications.ChannelSecrets.v1");
    private readonly SemaphoreSlim _edits = new(1, 1);
    private readonly Lock _statusLock = new();
    private readonly SubscriberList<ChannelsChanged> _changed = new(logger, "the notification channel feed");
    private ImmutableSortedDictionary<long, NotificationChannel> _channels = ImmutableSortedDictionary<long, NotificationChannel>.Empty;
    private ImmutableDictionary<long, ChannelStatus> _status = ImmutableDictionary<long, ChannelStatus>.Empty;

    public IDisposable Subscribe(Action<ChannelsChanged> onChange) => _changed.Subscribe(onChange);

    public IReadOnlyList<NotificationChannel> List() => [.. _channels.Values.OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase)];

    public NotificationChannel? Find(long id) => _channels.GetValueOrDefault(id);

    public IReadOnlySet<long> Ids() => _channels.Keys.ToHashSet();

    public ChannelStatus Status(long id) => _status.GetValueOrDefault(id) ?? ChannelStatus.New;

    /// <summary>Tells the pages that the channels were read again (another instance edited one).</summary>
    public void Reloaded() => _changed.Publish(new ChannelsChanged());

    /// <summary>Reads the stored channels: at start, after the database is migrated, and when another instance edited one.</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
        var stored = await db.Set<NotificationChannelEntity>().AsNoTracking().ToListAsync(cancellationToken);
        _channels = stored.ToImmutableSortedDictionary(e => e.Id, ToChannel);
        _status = stored.ToImmutableDictionary(e => e.Id, e => e.Status());
    }

    /// <summary>Validates as it would be saved, without saving (the channel form asks as the admin types).</summary>
    public ChannelValidation Validate(long id, ChannelInput input)
    {
        var stored = Find(id) is { } old && ChannelKinds.Parse(input.Kind) == old.Kind ? old.Secrets : ChannelSecrets.None;
        return ChannelValidator.Validate(input, stored, _channels.Values.Where(c => c.Id != id).Select(c => c.Name));
    }

    public Task<ChannelResult> CreateAsync(ChannelInput input) => SaveAsync(0, input);

    public Task<ChannelResult> UpdateAsync(long id, ChannelInput input) => SaveAsync(id, input);

    public async Task<bool> DeleteAsync(long id)
    {
        await _edits.WaitAsync();
        try
        {
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
            await db.Set<AlertRuleChannelEntity>().Where(c => c.ChannelId == id).ExecuteDeleteAsync();
            if (await db.Set<NotificationChannelEntity>().Where(c => c.Id == id).ExecuteDeleteAsync() == 0)
            {
                return false;
            }

            _channels = _channels.Remove(id);
            _status = _status.Remove(id);
            foreach (var rule in engine.Rules().Where(r => r.Channels.Contains(id)))
            {
                engine.SetRule(rule with { Channels = [.. rule.Channels.Where(c => c != id)] }); // same condition: its alerts stay open
            }

            feed.RulesChanged();
            _changed.Publish(new ChannelsChanged());
            AlertReplication.ChannelsEdited(instances);
            return true;
        }
        finally
        {
            _edits.Release();
        }
    }

    /// <summary>Notes how a send went: <paramref name="error"/> null for a success; <paramref name="final"/> counts it as sent or failed.</summary>
    public async Task RecordAsync(long id, string? error, bool final)
    {
        var now = clock.GetUtcNow();
        ChannelStatus updated;
        lock (_statusLock)
        {
            var old = Status(id);
            updated = error is null
                ? old with { Sent = old.Sent + (final ? 1 : 0), LastSuccessAt = now }
                : old with { Failed = old.Failed + (final ? 1 : 0), LastFailureAt = now, LastError = ChannelStatusText.Error(error) };
            _status = _status.SetItem(id, updated);
        }

        await WriteStatusAsync(id, updated);
    }

    /// <summary>Counts notifications held back by the rate limit or dropped from a full queue.</summary>
    public async Task CountAsync(long id, long suppressed, long dropped)
    {
        ChannelStatus updated;
        lock (_statusLock)
        {
            var old = Status(id);
            updated = old with { Suppressed = old.Suppressed + suppressed, Dropped = old.Dropped + dropped };
            _status = _status.SetItem(id, updated);
        }

        await WriteStatusAsync(id, updated);
    }

    private async Task WriteStatusAsync(long id, ChannelStatus status)
    {
        _changed.Publish(new ChannelsChanged());
        try
        {
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
            await db.Set<NotificationChannelEntity>().Where(c => c.Id == id).ExecuteUpdateAsync(set => set
                .SetProperty(c => c.Sent, status.Sent)
                .SetProperty(c => c.Failed, status.Failed)
                .SetProperty(c => c.Suppressed, status.Suppressed)
                .SetProperty(c => c.Dropped, status.Dropped)
                .SetProperty(c => c.LastSuccessAt, status.LastSuccessAt.HasValue ? status.LastSuccessAt.Value.UtcDateTime : null)
                .SetProperty(c => c.LastFailureAt, status.LastFailureAt.HasValue ? status.LastFailureAt.Value.UtcDateTime : null)
                .SetProperty(c => c.LastError, status.LastError));
        }
        catch (Exception ex) when (ex is DbUpdateException or InvalidOperationException or Microsoft.Data.Sqlite.SqliteException)
        {
            logger.LogWarning(ex, "Could not store the delivery figures of notification channel {Id}", id);
        }
    }

    private async Task<ChannelResult> SaveAsync(long id, ChannelInput input)
    {
        await _edits.WaitAsync();
        try
        {
            if (id != 0 && Find(id) is null)
            {
                return ChannelResult.Missing;
            }

            var valid = Validate(id, input);
            if (!valid.IsValid)
            {
                return new ChannelResult(null, valid.Errors);
            }

            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
            var entity = id == 0 ? new NotificationChannelEntity() : await db.Set<NotificationChannelEntity>().FindAsync(id);
            if (entity is null)
            {
                return ChannelResult.Missing;
            }

            entity.Name = valid.Name;
            entity.Kind = valid.Kind;
            entity.Enabled = valid.Enabled;
            entity.Settings = JsonSerializer.Serialize(valid.Settings, SettingsJson);
            entity.Secrets = valid.Secrets.Values.Count == 0 ? null : _protector.Protect(JsonSerializer.Serialize(valid.Secrets.Values));
            entity.UpdatedAt = clock.GetUtcNow().UtcDateTime;
            if (id == 0)
            {
                db.Add(entity);
            }

            await db.SaveChangesAsync();
            var channel = new NotificationChannel(entity.Id, valid.Name, valid.Kind, valid.Enabled, valid.Settings, valid.Secrets, clock.GetUtcNow());
            _channels = _channels.SetItem(channel.Id, channel);
            _status = _status.ContainsKey(channel.Id) ? _status : _status.SetItem(channel.Id, ChannelStatus.New);
            _changed.Publish(new ChannelsChanged());
            AlertReplication.ChannelsEdited(instances);
            return new ChannelResult(channel, valid.Errors);
        }
        finally
        {
            _edits.Release();
        }
    }

    private NotificationChannel ToChannel(NotificationChannelEntity entity)
    {
        var settings = JsonSerializer.Deserialize<ChannelSettings>(entity.Settings, SettingsJson) ?? new ChannelSettings();
        var secrets = ChannelSecrets.None;
        if (entity.Secrets is { } protectedSecrets)
        {
            try
            {
                secrets = new ChannelSecrets(JsonSerializer.Deserialize<Dictionary<string, string>>(_protector.Unprotect(protectedSecrets)) ?? []);
            }
            catch (CryptographicException)
            {
                // The keys in data/keys/ are not the ones they were encrypted with (the folder was lost or not restored).
                logger.LogWarning("The secrets of notification channel '{Name}' cannot be decrypted (data/keys/ changed?): set them again in the Alerts page", entity.Name);
            }
        }

        return new NotificationChannel(entity.Id, entity.Name, entity.Kind, entity.Enabled, settings,
            secrets, new DateTimeOffset(DateTime.SpecifyKind(entity.UpdatedAt, DateTimeKind.Utc)));
    }
}
