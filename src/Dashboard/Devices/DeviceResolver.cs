namespace Dashboard.Devices;

/// <summary>
/// Which device a reading belongs to (README, "Devices and presence"): the longest device known from a status topic
/// that its topic starts with, level by level, else the payload's device field, else the topic minus its last level.
/// Learns status devices from presence reports. Not thread-safe: ingestion's single thread owns it.
/// </summary>
/// <param name="maxStatusDevices">Status devices remembered; beyond them, new ones are counted, not remembered.</param>
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
        var lookup = _statusDevices.GetAlternateLookup<ReadOnlySpan<char>>();
        var span = topic.AsSpan();
        for (var end = span.Length; end > 0; end = span[..end].LastIndexOf('/'))
        {
            if (lookup.TryGetValue(span[..end], out var device))
            {
                return device;
            }
        }

        if (!string.IsNullOrEmpty(hint))
        {
            return hint;
        }

        var last = topic.LastIndexOf('/');
        return last > 0 ? topic[..last] : topic;
    }
}
