using Dashboard.Broker.Events;
using Dashboard.Devices;

namespace Dashboard.Live;

/// <summary>
/// Live state's devices and clients, and the presence rules that join them: a status topic decides its device's
/// presence; a device without one follows the connection of the client that publishes its readings; an "expected
/// every" interval turns silence into offline. Every change keeps its cause, and what the registry must store is
/// collected until it takes it. Called under <see cref="LiveState"/>'s lock.
/// </summary>
internal sealed partial class DeviceTracker(LiveFeed feed, VersionCounter versions, int maxDisconnectedClients, TimeProvider clock)
{
    /// <summary>A connection shorter than this is a publish-and-exit client, not the device's own link.</summary>
    private static readonly TimeSpan OneShotConnection = TimeSpan.FromSeconds(10);

    /// <summary>Presence changes waiting for the registry at most; beyond, they are counted, not kept (a flapping storm).</summary>
    private const int MaxPendingPresence = 10_000;

    private readonly Dictionary<string, DeviceEntry> _devices = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ClientEntry> _clients = new(StringComparer.Ordinal);
    private readonly Queue<ClientEntry> _disconnected = new();
    private readonly HashSet<DeviceEntry> _expecting = [];
    private HashSet<DeviceEntry> _changed = [];
    private List<PresenceRecord> _presence = [];
    private List<string> _removed = [];

    public long PresenceDropped { get; private set; }

    /// <summary>Devices the registry remembers, before the broker's retained messages are replayed; their presence is unknown until they say.</summary>
    public void Restore(RegisteredDevice registered)
    {
        var device = Get(registered.Id, registered.FirstSeen);
        device.LastSeen = registered.LastSeen;
        device.ClientId = registered.ClientId;
        device.LastAddress = registered.Address;
        Apply(device, registered.Settings);
        _changed.Remove(device);
    }

    /// <param name="publisher">The publishing client, null when unknown (a retained message replayed at start).</param>
    /// <param name="will">The client whose Last Will this is, and how it left; null for a publish of its own.</param>
    public DeviceEntry OnStatusReport(PresenceReport report, string statusTopic, string? publisher, ClientInfo? will, DateTimeOffset time, bool restored)
    {
        var device = Get(report.DeviceId, time);
        device.StatusTopic = statusTopic;
        if (report.Online && !restored)
        {
            device.LastSeen = time; // "online · last seen never" would contradict itself
            Changed(device);
        }

        LinkClient(device, publisher);
        var (cause, detail) = will is null
            ? (PresenceCause.StatusTopic, $"status topic {statusTopic}")
            : (PresenceCause.Will, $"Last Will of {will.ClientId} on {statusTopic} ({EndText(will.End)})");
        SetStatus(device, report.Online ? DeviceStatus.Online : DeviceStatus.Offline, cause, detail, time, restored);
        if (!report.Online && report.MembersPrefix is { } prefix)
        {
            foreach (var member in _devices.Values)
            {
                if (member != device && member.Id.StartsWith(prefix, StringComparison.Ordinal))
                {
                    SetStatus(member, report.MembersWhenOffline, PresenceCause.GatewayOffline, $"{report.DeviceId} is offline ({statusTopic})", time, restored);
                }
            }
        }

        return device;
    }

    /// <summary>The device of a publish with readings; a new one (not a retained one replayed at start) marks it seen.</summary>
    public DeviceEntry OnReadings(string deviceId, string? publisher, DateTimeOffset time, bool restored)
    {
        var device = Get(deviceId, time);
        if (restored)
        {
            return device;
        }

        device.LastSeen = time;
        Changed(device);
        LinkClient(device, publisher);
        if (device.Settings.ExpectedEvery is { } every && device.StatusTopic is null && device.Status != DeviceStatus.Online)
        {
            SetStatus(device, DeviceStatus.Online, PresenceCause.Reading, $"a reading arrived (expected every {Seconds(every)})", time, restored: false);
        }

        return device;
    }

    /// <summary>Devices with an "expected every" interval that stayed silent longer go offline.</summary>
    public void CheckSilence(DateTimeOffset now)
    {
        foreach (var device in _expecting)
        {
            if (device.Settings.ExpectedEvery is { } every && device.Status != DeviceStatus.Offline
                && now - (device.LastSeen ?? device.FirstSeen) > every)
            {
                SetStatus(device, DeviceStatus.Offline, PresenceCause.Silent,
                    $"nothing for {Seconds(now - (device.LastSeen ?? device.FirstSeen))} (expected every {Seconds(every)})", now, restored: false);
            }
        }
    }

    /// <summary>An admin's settings for a device; false when no such device is known.</summary>
    public bool Configure(string id, DeviceSettings settings)
    {
        if (!_devices.TryGetValue(id, out var device))
        {
            return false;
        }

        Apply(device, settings);
        Changed(device);
        device.Version = versions.Next();
        feed.Post(new PresenceChanged(id, device.Status, clock.GetUtcNow(), device.ClientId));
        return true;
    }

    /// <summary>
    /// Forgets a device: it is gone from live state until it publishes again. Returns it, or null when unknown. An
    /// <paramref name="orphaned"/> one (found to be no device) is also deleted from the registry at its next write.
    /// </summary>
    public DeviceEntry? Forget(string id, bool orphaned = false)
    {
        if (!_devices.Remove(id, out var device))
        {
            return null;
        }

        if (device.ClientId is not null && _clients.TryGetValue(device.ClientId, out var client))
        {
            client.Devices.Remove(id);
        }

        _expecting.Remove(device);
        _changed.Remove(device);
        _presence.RemoveAll(p => p.DeviceId == id);
        if (orphaned)
        {
            _removed.Add(id);
        }

        feed.Post(new PresenceChanged(id, DeviceStatus.Unknown, clock.GetUtcNow(), null));
        return device;
    }

    public DeviceEntry? Find(string id) => _devices.GetValueOrDefault(id);

    /// <summary>
    /// The device <paramref name="deviceId"/>, which takes over <paramref name="topic"/> from <paramref name="previous"/>:
    /// when it was the previous device's status topic, with its presence (unless the new one already has its own).
    /// </summary>
    public DeviceEntry TakeStatusTopic(DeviceEntry previous, string deviceId, string topic, DateTimeOffset time)
    {
        var owner = Get(deviceId, time);
        if (previous.StatusTopic == topic)
        {
            previous.StatusTopic = null;
            if (owner.StatusTopic is null && previous.Cause is { } cause)
            {
                owner.StatusTopic = topic;
                SetStatus(owner, previous.Status, cause, previous.StatusSource ?? $"status topic {topic}", time, restored: previous.LastStatusChange is null);
            }
        }

        owner.LastSeen ??= previous.LastSeen;
        Changed(owner);
        return owner;
    }

    /// <summary>The device's status topic is no longer its own (cleared, or no longer declared): its presence is unknown.</summary>
    public void ReleaseStatusTopic(DeviceEntry device, DateTimeOffset time)
    {
        var topic = device.StatusTopic;
        device.StatusTopic = null;
        SetStatus(device, DeviceStatus.Unknown, PresenceCause.StatusTopic, $"its status topic {topic} is no longer its own", time, restored: false);
    }

    /// <summary>What the registry must store since it last asked.</summary>
    public RegistryChanges TakeChanges()
    {
        var devices = _changed.Select(d => new RegisteredDevice(d.Id, d.FirstSeen, d.LastSeen, d.ClientId, d.LastAddress, d.Settings)).ToList();
        var (presence, removed) = (_presence, _removed);
        _changed = [];
        _presence = [];
        _removed = [];
        return new RegistryChanges(devices, presence, removed);
    }

    public IReadOnlyList<DeviceSnapshot> Snapshots() => [.. _devices.Values.Select(Snapshot)];

    public DeviceSnapshot? Snapshot(string id) => _devices.TryGetValue(id, out var device) ? Snapshot(device) : null;

    private DeviceEntry Get(string id, DateTimeOffset time)
    {
        if (!_devices.TryGetValue(id, out var device))
        {
            _removed.Remove(id);
            device = new DeviceEntry(id, time);
            _devices.Add(id, device);
            device.Version = versions.Next();
            Changed(device);
            feed.Post(new PresenceChanged(id, device.Status, clock.GetUtcNow(), null));
        }

        return device;
    }

    private void Apply(DeviceEntry device, DeviceSettings settings)
    {
        device.Settings = settings;
        if (settings.ExpectedEvery is null)
        {
            _expecting.Remove(device);
        }
        else
        {
            _expecting.Add(device);
        }
    }

    private void SetStatus(DeviceEntry device, DeviceStatus status, PresenceCause cause, string detail, DateTimeOffset time, bool restored)
    {
        var inferred = IsInferred(device.Cause);
        device.StatusSource = detail;
        device.Cause = cause;
        if (device.Status == status)
        {
            // Only a device whose presence was inferred from its client's connection (connected, or lost just before its
            // will arrives): a status topic repeating itself (heartbeats, reconnects) scans nothing.
            if (inferred && !restored && cause is PresenceCause.StatusTopic or PresenceCause.Will)
            {
                ConfirmPending(device.Id, cause, detail);
            }

            return;
        }

        device.Status = status;
        device.LastStatusChange = restored ? null : time;
        device.Version = versions.Next();
        Changed(device);
        feed.Post(new PresenceChanged(device.Id, status, time, device.ClientId));
        if (restored)
        {
            return; // a retained status replayed at start is not a change the device made now
        }

        if (_presence.Count < MaxPendingPresence)
        {
            _presence.Add(new PresenceRecord(device.Id, time, status, cause, detail));
        }
        else
        {
            PresenceDropped++;
        }
    }

    /// <summary>
    /// A change inferred from a connection, not yet written, that the device's own status topic or its will confirms takes
    /// that as its cause, as the badge does: one-shot publishers' connections are handled concurrently, so a reading's
    /// client may be seen connected just before the status that an earlier client published; and a lost connection is
    /// reported just before the will the broker then sends (a Sparkplug NDEATH).
    /// </summary>
    private void ConfirmPending(string deviceId, PresenceCause cause, string detail)
    {
        var index = _presence.FindLastIndex(p => p.DeviceId == deviceId);
        if (index >= 0 && IsInferred(_presence[index].Cause))
        {
            _presence[index] = _presence[index] with { Cause = cause, Detail = detail };
        }
    }

    private static bool IsInferred(PresenceCause? cause) =>
        cause is PresenceCause.Connected or PresenceCause.ConnectionLost or PresenceCause.KeepAliveTimeout or PresenceCause.TakenOver;

    private void Changed(DeviceEntry device) => _changed.Add(device);

    private DeviceSnapshot Snapshot(DeviceEntry device)
    {
        ClientEntry? client = null;
        if (device.ClientId is not null)
        {
            _clients.TryGetValue(device.ClientId, out client);
        }

        return device.Snapshot(client);
    }

    private static string Seconds(TimeSpan span) => span.TotalSeconds < 120
        ? $"{(int)span.TotalSeconds} s"
        : span.TotalMinutes < 120 ? $"{(int)span.TotalMinutes} min" : $"{span.TotalHours:0.#} h";
}
