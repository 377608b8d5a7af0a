using Dashboard.Devices;

namespace Dashboard.Live;

/// <summary>The device registry's side of live state: what it restores, configures, forgets and stores.</summary>
public sealed partial class LiveState
{
    /// <summary>Presence changes the registry could not keep up with (more than it buffers between writes).</summary>
    public long PresenceDropped
    {
        get
        {
            lock (_lock)
            {
                return _devices.PresenceDropped;
            }
        }
    }

    /// <summary>The registry's devices, at start before any broker event: known again, with their names and last seen.</summary>
    public void Restore(IEnumerable<RegisteredDevice> devices)
    {
        lock (_lock)
        {
            foreach (var device in devices)
            {
                _devices.Restore(device);
            }
        }
    }

    /// <summary>Applies an admin's settings to a device; false when no such device is known.</summary>
    public bool Configure(string deviceId, Devices.DeviceSettings settings)
    {
        lock (_lock)
        {
            return _devices.Configure(deviceId, settings);
        }
    }

    /// <summary>
    /// Forgets a device and its series (its topics stay, as topics); null when no such device is known. It comes back as a
    /// new device if it publishes again.
    /// </summary>
    public ForgottenDevice? Forget(string deviceId)
    {
        lock (_lock)
        {
            if (_devices.Forget(deviceId) is not { } device)
            {
                return null;
            }

            foreach (var series in device.Series)
            {
                _series.Remove((series.Topic, series.Metric));
                if (_topics.TryGetValue(series.Topic, out var topic))
                {
                    topic.Series.Remove(series);
                }
            }

            UnlinkTopics(deviceId);

            return new ForgottenDevice(deviceId, device.StatusTopic, [.. device.Series.Select(s => (s.Topic, s.Metric))]);
        }
    }

    /// <summary>What the registry must write since it last asked.</summary>
    public RegistryChanges TakeRegistryChanges()
    {
        lock (_lock)
        {
            return _devices.TakeChanges();
        }
    }

    /// <summary>Turns devices silent for longer than their "expected every" interval offline.</summary>
    public void CheckSilence()
    {
        lock (_lock)
        {
            _devices.CheckSilence(_clock.GetUtcNow());
        }
    }

    /// <summary>
    /// A device made only of series that now belong elsewhere (a Home Assistant state read before its config named the
    /// entity's device) is gone, unless it has a status topic or an admin's settings: it was never a device.
    /// </summary>
    private void DropIfOrphaned(DeviceEntry device)
    {
        if (device.Series.Count == 0 && device.StatusTopic is null && device.Settings.IsEmpty)
        {
            _devices.Forget(device.Id, orphaned: true);
            UnlinkTopics(device.Id);
        }
    }

    /// <summary>Topics that pointed at a device gone from live state point at none (they stay, as topics).</summary>
    private void UnlinkTopics(string deviceId)
    {
        foreach (var topic in _topics.Values)
        {
            if (topic.DeviceId == deviceId)
            {
                topic.DeviceId = null;
                topic.Version = _versions.Next();
            }
        }
    }
}
