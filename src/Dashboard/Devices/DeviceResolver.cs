namespace Dashboard.Devices;

/// <summary>
/// Which device a reading belongs to (README, "Devices"), when no firmware convention claimed its topic: the device whose
/// status topic is its sibling (<c>home/sensor1/status</c> claims <c>home/sensor1/temperature</c>, not
/// <c>home/sensor1/x/temperature</c> and nothing further up), else the payload's device field, else the topic minus its
/// last level. A status topic thus claims its own device only, and a topic maps to the same device whatever arrived
/// first, except that a status topic beats a payload's device field. Not thread-safe: ingestion's single thread owns it.
/// </summary>
public sealed class DeviceResolver(int maxStatusDevices)
{
    private readonly HashSet<string> _statusDevices = new(StringComparer.Ordinal);

    public int StatusDevices => _statusDevices.Count;

    /// <summary>New status devices not remembered because <c>maxStatusDevices</c> were known already.</summary>
    public long StatusDevicesDropped { get; private set; }

    /// <summary>Remembers a device that reports its presence on a status topic.</summary>
    public void AddStatusDevice(string deviceId)
    {
        if (_statusDevices.Count >= maxStatusDevices && !_statusDevices.Contains(deviceId))
        {
            StatusDevicesDropped++;
            return;
        }

        _statusDevices.Add(deviceId);
    }

    /// <summary>The device of a reading on <paramref name="topic"/>; <paramref name="hint"/> is the payload's device field, if any.</summary>
    public string Resolve(string topic, string? hint)
    {
        var last = topic.LastIndexOf('/');
        if (last > 0 && _statusDevices.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(topic.AsSpan(0, last), out var device))
        {
            return device;
        }

        if (!string.IsNullOrEmpty(hint))
        {
            return hint;
        }

        return last > 0 ? topic[..last] : topic;
    }

    /// <summary>
    /// A topic that orders a device to do something (<c>…/set</c>, <c>…/command</c>, <c>…/cmd</c>, Tasmota's spelling
    /// <c>…/cmnd</c>, any case): what is
    /// published there is a wish, not a measurement, so it is no reading.
    /// </summary>
    public static bool IsCommandTopic(string topic)
    {
        var last = topic.AsSpan(topic.LastIndexOf('/') + 1);
        return last.Equals("set", StringComparison.OrdinalIgnoreCase)
            || last.Equals("command", StringComparison.OrdinalIgnoreCase)
            || last.Equals("cmd", StringComparison.OrdinalIgnoreCase)
            || last.Equals("cmnd", StringComparison.OrdinalIgnoreCase);
    }
}
