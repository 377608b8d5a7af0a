using Dashboard.Broker.Events;
using Dashboard.Devices;

namespace Dashboard.Live;

/// <summary>
/// Live state's devices and clients, and the presence rules that join them: a status topic decides its device's
/// presence; a device without one follows the connection of the client that publishes its readings. Called under
/// <see cref="LiveState"/>'s lock.
/// </summary>
internal sealed class DeviceTracker(LiveFeed feed, VersionCounter versions, int maxDisconnectedClients, TimeProvider clock)
{
    /// <summary>A connection shorter than this is a publish-and-exit client, not the device's own link.</summary>
    private static readonly TimeSpan OneShotConnection = TimeSpan.FromSeconds(10);

    private readonly Dictionary<string, DeviceEntry> _devices = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ClientEntry> _clients = new(StringComparer.Ordinal);
    private readonly Queue<ClientEntry> _disconnected = new();

    /// <param name="publisher">The publishing client, null when unknown (a retained message replayed at start).</param>
    public DeviceEntry OnStatusReport(PresenceReport report, string statusTopic, string? publisher, DateTimeOffset time, bool restored)
    {
        var device = Get(report.DeviceId);
        device.StatusTopic = statusTopic;
        if (report.Online && !restored)
        {
            device.LastSeen = time; // "online · last seen never" would contradict itself
        }

        LinkClient(device, publisher);
        SetStatus(device, report.Online ? DeviceStatus.Online : DeviceStatus.Offline, $"status topic {statusTopic}", time, restored);
        if (!report.Online && report.MembersPrefix is { } prefix)
        {
            foreach (var member in _devices.Values)
            {
                if (member != device && member.Id.StartsWith(prefix, StringComparison.Ordinal))
                {
                    SetStatus(member, report.MembersWhenOffline, $"{report.DeviceId} is offline ({statusTopic})", time, restored);
                }
            }
        }

        return device;
    }

    /// <summary>The device of a publish with readings; a new one (not a retained one replayed at start) marks it seen.</summary>
    public DeviceEntry OnReadings(string deviceId, string? publisher, DateTimeOffset time, bool restored)
    {
        var device = Get(deviceId);
        if (!restored)
        {
            device.LastSeen = time;
            LinkClient(device, publisher);
        }

        return device;
    }

    public void OnClientConnected(ClientInfo info, DateTimeOffset time)
    {
        if (_clients.TryGetValue(info.ClientId, out var client))
        {
            client.Info = info;
        }
        else
        {
            client = new ClientEntry(info);
            _clients.Add(info.ClientId, client);
        }

        client.Connected = true;
        client.DisconnectedAt = null;
        foreach (var id in client.Devices)
        {
            if (_devices.TryGetValue(id, out var device) && device.StatusTopic is null)
            {
                SetStatus(device, DeviceStatus.Online, "connection", time, restored: false);
            }
        }
    }

    /// <summary>
    /// A device with a status topic is left to it, except when its client's connection is lost with no will on that topic
    /// to say so (offline): a clean DISCONNECT had its chance to publish "offline" (and is often a one-shot publisher, not
    /// the device), and a will is about to. A device that never gave a presence signal is offline when a long-lived
    /// connection of its client is lost, and "unknown" when its client disconnects cleanly or lived only moments: a
    /// sensor that publishes and exits (mosquitto_pub, the tutorials' scripts, whose exit may reset the connection) is
    /// not offline, only not connected.
    /// </summary>
    public void OnClientDisconnected(ClientInfo info, DateTimeOffset time)
    {
        if (!_clients.TryGetValue(info.ClientId, out var client))
        {
            return;
        }

        client.Info = info;
        client.Connected = false;
        client.DisconnectedAt = time;
        foreach (var id in client.Devices)
        {
            if (_devices.TryGetValue(id, out var device) && device.ClientId == info.ClientId)
            {
                var cause = info.Graceful ? "client disconnected" : "connection lost";
                if (device.StatusTopic is null)
                {
                    var lived = !info.Graceful && time - info.ConnectedAt >= OneShotConnection;
                    SetStatus(device, lived ? DeviceStatus.Offline : DeviceStatus.Unknown,
                        lived ? cause : cause + "; no status topic says whether the device is offline", time, restored: false);
                }
                else if (!info.Graceful && info.WillTopic != device.StatusTopic)
                {
                    SetStatus(device, DeviceStatus.Offline, cause, time, restored: false);
                }
            }
        }

        _disconnected.Enqueue(client);
        while (_disconnected.Count > maxDisconnectedClients && _disconnected.TryDequeue(out var old))
        {
            if (!old.Connected && old.Devices.Count == 0)
            {
                _clients.Remove(old.Info.ClientId);
            }
        }
    }

    public IReadOnlyList<DeviceSnapshot> Snapshots() => [.. _devices.Values.Select(Snapshot)];

    public DeviceSnapshot? Snapshot(string id) => _devices.TryGetValue(id, out var device) ? Snapshot(device) : null;

    public IReadOnlyList<ClientSnapshot> Clients() => [.. _clients.Values.Select(c => c.Snapshot())];

    private DeviceEntry Get(string id)
    {
        if (!_devices.TryGetValue(id, out var device))
        {
            device = new DeviceEntry(id);
            _devices.Add(id, device);
            device.Version = versions.Next();
            feed.Post(new PresenceChanged(id, device.Status, clock.GetUtcNow(), null));
        }

        return device;
    }

    private void LinkClient(DeviceEntry device, string? clientId)
    {
        if (clientId is null || device.ClientId == clientId)
        {
            return;
        }

        if (device.ClientId is not null && _clients.TryGetValue(device.ClientId, out var previous))
        {
            previous.Devices.Remove(device.Id);
        }

        device.ClientId = clientId;
        device.Version = versions.Next();
        if (_clients.TryGetValue(clientId, out var client))
        {
            client.Devices.Add(device.Id);
            if (device.StatusTopic is null && client.Connected)
            {
                SetStatus(device, DeviceStatus.Online, "connection", clock.GetUtcNow(), restored: false);
            }
        }
    }

    private void SetStatus(DeviceEntry device, DeviceStatus status, string source, DateTimeOffset time, bool restored)
    {
        device.StatusSource = source;
        if (device.Status == status)
        {
            return;
        }

        device.Status = status;
        device.LastStatusChange = restored ? null : time;
        device.Version = versions.Next();
        feed.Post(new PresenceChanged(device.Id, status, time, device.ClientId));
    }

    private DeviceSnapshot Snapshot(DeviceEntry device)
    {
        ClientEntry? client = null;
        if (device.ClientId is not null)
        {
            _clients.TryGetValue(device.ClientId, out client);
        }

        return device.Snapshot(client);
    }
}
