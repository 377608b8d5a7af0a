using Dashboard.Broker.Events;
using Dashboard.Devices;

namespace Dashboard.Live;

/// <summary>The clients behind the devices: a device without a status topic follows its client's connection.</summary>
internal sealed partial class DeviceTracker
{
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
            if (_devices.TryGetValue(id, out var device))
            {
                device.LastAddress = info.RemoteAddress;
                Changed(device);
                if (FollowsItsClient(device))
                {
                    SetStatus(device, DeviceStatus.Online, PresenceCause.Connected, $"client {info.ClientId} connected", time, restored: false);
                }
            }
        }
    }

    /// <summary>
    /// A device with a status topic is left to it, except when its client's long-lived connection is lost with no will on
    /// that topic to say so (offline): a clean DISCONNECT had its chance to publish "offline", a will is about to, and a
    /// connection of moments is a one-shot publisher (the tutorials' retained-status script), not the device. A device that never gave a presence signal is offline when a long-lived
    /// connection of its client is lost, and "unknown" when its client disconnects cleanly or lived only moments: a
    /// sensor that publishes and exits (mosquitto_pub, the tutorials' scripts, whose exit may reset the connection) is
    /// not offline, only not connected. The broker stopping says nothing about the devices.
    /// </summary>
    public void OnClientDisconnected(ClientInfo info, DateTimeOffset time)
    {
        if (!_clients.TryGetValue(info.ClientId, out var client) || (client.Connected && client.Info.ConnectedAt > info.ConnectedAt))
        {
            return; // unknown, or an older connection whose takeover the newer one already reported
        }

        client.Info = info;
        client.Connected = false;
        client.DisconnectedAt = time;
        if (info.End != ConnectionEnd.BrokerStopping)
        {
            foreach (var id in client.Devices)
            {
                if (_devices.TryGetValue(id, out var device) && device.ClientId == info.ClientId)
                {
                    OnClientGone(device, info, time);
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

    public IReadOnlyList<ClientSnapshot> Clients() => [.. _clients.Values.Select(c => c.Snapshot())];

    private void OnClientGone(DeviceEntry device, ClientInfo info, DateTimeOffset time)
    {
        var end = info.End == ConnectionEnd.None ? (info.Graceful ? ConnectionEnd.Disconnected : ConnectionEnd.ConnectionLost) : info.End;
        var (cause, detail) = end switch
        {
            ConnectionEnd.Disconnected or ConnectionEnd.DisconnectedWithWill => (PresenceCause.Disconnected, $"client {info.ClientId} disconnected"),
            ConnectionEnd.KeepAliveTimeout => (PresenceCause.KeepAliveTimeout, $"client {info.ClientId} missed its keep-alive ({info.KeepAliveSeconds} s)"),
            ConnectionEnd.TakenOver => (PresenceCause.TakenOver, $"another connection took over client id {info.ClientId}"),
            _ => (PresenceCause.ConnectionLost, $"client {info.ClientId} lost its connection"),
        };
        var graceful = cause == PresenceCause.Disconnected;
        var lived = !graceful && time - info.ConnectedAt >= OneShotConnection;
        if (device.StatusTopic is null)
        {
            if (device.Settings.ExpectedEvery is not null && !lived)
            {
                return; // it says when it is due: its readings and its silence decide, not a one-shot client's exit
            }

            SetStatus(device, lived ? DeviceStatus.Offline : DeviceStatus.Unknown, cause,
                lived ? detail : detail + "; no status topic says whether the device is offline", time, restored: false);
        }
        else if (lived && info.WillTopic != device.StatusTopic)
        {
            SetStatus(device, DeviceStatus.Offline, cause, detail, time, restored: false);
        }
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
        Changed(device);
        if (_clients.TryGetValue(clientId, out var client))
        {
            client.Devices.Add(device.Id);
            device.LastAddress = client.Info.RemoteAddress;
            if (FollowsItsClient(device) && client.Connected)
            {
                SetStatus(device, DeviceStatus.Online, PresenceCause.Connected, $"client {clientId} is connected", clock.GetUtcNow(), restored: false);
            }
        }
    }

    /// <summary>
    /// A device whose presence its client's connection tells: one without a status topic, and without an "expected every"
    /// interval, which makes its readings and its silence tell it instead (a sensor publishing with one-shot clients).
    /// </summary>
    private static bool FollowsItsClient(DeviceEntry device) => device.StatusTopic is null && device.Settings.ExpectedEvery is null;

    private static string EndText(ConnectionEnd end) => end switch
    {
        ConnectionEnd.KeepAliveTimeout => "it missed its keep-alive",
        ConnectionEnd.TakenOver => "its session was taken over",
        ConnectionEnd.DisconnectedWithWill => "it disconnected asking for its will",
        _ => "its connection was lost",
    };
}
