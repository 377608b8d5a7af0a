using System.Text.Json;
using Dashboard.Broker;
using Dashboard.Devices;
using Dashboard.History;
using Dashboard.Live;
using Dashboard.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MQTTnet;

namespace Dashboard.Registry;

/// <summary>What forgetting a device did.</summary>
public sealed record ForgetResult(string DeviceId, int ReadingsDeleted, string? RetainedCleared);

/// <summary>
/// The persisted device registry: devices with their admin settings, first and last seen, last client and address, and
/// their presence changes. Live state is the truth while the process runs; the registry restores it at start and is
/// written from it in batches (<see cref="RegistryOptions.WriteInterval"/>). Writes are serialised, so a device
/// forgotten never comes back from a batch taken before.
/// </summary>
public sealed class DeviceRegistry(
    LiveState live,
    HistoryQueries history,
    IBrokerPublisher broker,
    IServiceScopeFactory scopes,
    IOptions<RegistryOptions> options,
    TimeProvider clock,
    ILogger<DeviceRegistry> logger)
{
    private const int Chunk = 500;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly SemaphoreSlim _writing = new(1, 1);
    private DateTimeOffset _nextPrune;

    /// <summary>Puts the stored devices back into live state; called once at start, before any broker event.</summary>
    internal async Task RestoreAsync(CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
        var records = await db.Set<DeviceRecord>().AsNoTracking().ToListAsync(cancellationToken);
        live.Restore(records.Select(ToRegistered));
        logger.LogInformation("Device registry: {Count} devices known", records.Count);
    }

    /// <summary>Writes what changed in live state since the last write; prunes old presence changes now and then.</summary>
    internal async Task WriteAsync(CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken);
        try
        {
            live.CheckSilence();
            var changes = live.TakeRegistryChanges();
            if (changes.Devices.Count > 0 || changes.Presence.Count > 0 || changes.Removed.Count > 0)
            {
                await SaveAsync(changes, cancellationToken);
            }

            if (clock.GetUtcNow() >= _nextPrune)
            {
                _nextPrune = clock.GetUtcNow() + TimeSpan.FromHours(1);
                await PruneAsync(cancellationToken);
            }
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>An admin's settings for a device: applied at once and stored. False when no such device is known.</summary>
    public async Task<bool> ConfigureAsync(string deviceId, DeviceSettings settings, CancellationToken cancellationToken = default)
    {
        await _writing.WaitAsync(cancellationToken);
        try
        {
            if (!live.Configure(deviceId, settings))
            {
                return false;
            }

            await SaveAsync(live.TakeRegistryChanges(), cancellationToken);
            return true;
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>
    /// Forgets a device: gone from live state and the registry (presence changes included) until it publishes again;
    /// with <paramref name="deleteHistory"/> its stored readings go too, and with <paramref name="clearRetained"/> the
    /// retained message on its status topic is cleared (else a restart would bring the device back). Null when unknown.
    /// </summary>
    public async Task<ForgetResult?> ForgetAsync(string deviceId, bool deleteHistory, bool clearRetained, CancellationToken cancellationToken = default)
    {
        await _writing.WaitAsync(cancellationToken);
        try
        {
            if (live.Forget(deviceId) is not { } forgotten)
            {
                return null;
            }

            using (var scope = scopes.CreateScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
                await db.Set<PresenceEventRecord>().Where(p => p.DeviceId == deviceId).ExecuteDeleteAsync(cancellationToken);
                await db.Set<DeviceRecord>().Where(d => d.Id == deviceId).ExecuteDeleteAsync(cancellationToken);
            }

            var deleted = deleteHistory ? await history.DeleteDeviceHistoryAsync(deviceId, cancellationToken) : 0;
            string? cleared = null;
            if (clearRetained && forgotten.StatusTopic is { } statusTopic && broker.IsRunning)
            {
                // An empty retained publish deletes the retained message (MQTT 3.3.1.3), for the broker and its subscribers alike.
                await broker.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(statusTopic).WithRetainFlag().Build(), $"dashboard: forgot {deviceId}");
                cleared = statusTopic;
            }

            logger.LogInformation("Forgot device {DeviceId} ({Readings} readings deleted, retained status {Cleared})",
                deviceId, deleted, cleared ?? "kept");
            return new ForgetResult(deviceId, deleted, cleared);
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>A device's presence changes of the last 7 days (and the one before, which says how the week began), oldest first, the latest included.</summary>
    public async Task<IReadOnlyList<PresenceRecord>> PresenceAsync(string deviceId, CancellationToken cancellationToken = default)
    {
        var since = (clock.GetUtcNow() - TimeSpan.FromDays(7)).ToUnixTimeMilliseconds();
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
        var events = db.Set<PresenceEventRecord>().AsNoTracking().Where(p => p.DeviceId == deviceId);
        var before = await events.Where(p => p.Time < since).OrderByDescending(p => p.Time).ThenByDescending(p => p.Id).Take(1).ToListAsync(cancellationToken);
        var week = await events.Where(p => p.Time >= since).OrderBy(p => p.Time).ThenBy(p => p.Id).ToListAsync(cancellationToken);
        List<PresenceRecord> changes = [.. before.Concat(week).Select(ToPresence)];
        // The latest change may not be written yet (it is within a write interval): live state has it now.
        if (live.Device(deviceId) is { LastStatusChange: { } changed, Cause: { } cause } device && (changes.Count == 0 || changes[^1].Time.ToUnixTimeMilliseconds() < changed.ToUnixTimeMilliseconds()))
        {
            changes.Add(new PresenceRecord(deviceId, changed, device.Status, cause, device.StatusSource ?? ""));
        }

        return changes;
    }

    private async Task SaveAsync(RegistryChanges changes, CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
        foreach (var chunk in changes.Devices.Chunk(Chunk))
        {
            var ids = chunk.Select(d => d.Id).ToList();
            var stored = await db.Set<DeviceRecord>().Where(d => ids.Contains(d.Id)).ToDictionaryAsync(d => d.Id, StringComparer.Ordinal, cancellationToken);
            foreach (var device in chunk)
            {
                if (!stored.TryGetValue(device.Id, out var record))
                {
                    record = new DeviceRecord { Id = device.Id };
                    db.Add(record);
                }

                Fill(record, device);
            }
        }

        foreach (var chunk in changes.Removed.Chunk(Chunk))
        {
            await db.Set<PresenceEventRecord>().Where(p => chunk.Contains(p.DeviceId)).ExecuteDeleteAsync(cancellationToken);
            await db.Set<DeviceRecord>().Where(d => chunk.Contains(d.Id)).ExecuteDeleteAsync(cancellationToken);
        }

        db.AddRange(changes.Presence.Select(p => new PresenceEventRecord
        {
            DeviceId = p.DeviceId,
            Time = p.Time.ToUnixTimeMilliseconds(),
            Status = (int)p.Status,
            Cause = (int)p.Cause,
            Detail = p.Detail,
        }));
        await db.SaveChangesAsync(cancellationToken);
    }

    private async Task PruneAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var before = (clock.GetUtcNow() - settings.PresenceRetention).ToUnixTimeMilliseconds();
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
        var old = await db.Set<PresenceEventRecord>().Where(p => p.Time < before).ExecuteDeleteAsync(cancellationToken);
        // A flapping device keeps only its latest changes.
        var crowded = await db.Set<PresenceEventRecord>().GroupBy(p => p.DeviceId)
            .Where(g => g.Count() > settings.MaxPresenceEventsPerDevice).Select(g => g.Key).ToListAsync(cancellationToken);
        var trimmed = 0;
        foreach (var deviceId in crowded)
        {
            var keepFrom = await db.Set<PresenceEventRecord>().Where(p => p.DeviceId == deviceId).OrderByDescending(p => p.Id)
                .Skip(settings.MaxPresenceEventsPerDevice - 1).Select(p => p.Id).FirstAsync(cancellationToken);
            trimmed += await db.Set<PresenceEventRecord>().Where(p => p.DeviceId == deviceId && p.Id < keepFrom).ExecuteDeleteAsync(cancellationToken);
        }

        if (old + trimmed > 0)
        {
            logger.LogInformation("Device registry: pruned {Old} presence changes older than {Retention} and {Trimmed} beyond {Max} per device",
                old, settings.PresenceRetention, trimmed, settings.MaxPresenceEventsPerDevice);
        }
    }

    private static void Fill(DeviceRecord record, RegisteredDevice device)
    {
        var settings = device.Settings;
        record.DisplayName = settings.DisplayName;
        record.Group = settings.Group;
        record.Hidden = settings.Hidden;
        record.ExpectedEverySeconds = settings.ExpectedEvery is { } every ? (int)every.TotalSeconds : null;
        record.Metrics = settings.Metrics.Count > 0 ? JsonSerializer.Serialize(settings.Metrics, Json) : null;
        record.FirstSeen = device.FirstSeen.ToUnixTimeMilliseconds();
        record.LastSeen = device.LastSeen?.ToUnixTimeMilliseconds();
        record.LastClientId = device.ClientId;
        record.LastAddress = device.Address;
    }

    private static RegisteredDevice ToRegistered(DeviceRecord record) => new(
        record.Id,
        DateTimeOffset.FromUnixTimeMilliseconds(record.FirstSeen),
        record.LastSeen is { } seen ? DateTimeOffset.FromUnixTimeMilliseconds(seen) : null,
        record.LastClientId,
        record.LastAddress,
        new DeviceSettings(
            record.DisplayName,
            record.Group,
            record.Hidden,
            record.ExpectedEverySeconds is { } s ? TimeSpan.FromSeconds(s) : null,
            record.Metrics is { } json
                ? JsonSerializer.Deserialize<Dictionary<string, MetricSettings>>(json, Json) ?? []
                : new Dictionary<string, MetricSettings>()));

    private static PresenceRecord ToPresence(PresenceEventRecord record) => new(
        record.DeviceId, DateTimeOffset.FromUnixTimeMilliseconds(record.Time), (DeviceStatus)record.Status, (PresenceCause)record.Cause, record.Detail);
}
