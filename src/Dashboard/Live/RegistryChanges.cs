using Dashboard.Devices;

namespace Dashboard.Live;

/// <summary>A device as the registry stores it: restored into live state at start, taken from it to be written.</summary>
public sealed record RegisteredDevice(
    string Id, DateTimeOffset FirstSeen, DateTimeOffset? LastSeen, string? ClientId, string? Address, DeviceSettings Settings);

/// <summary>One change of a device's presence, with its cause in words (<paramref name="Detail"/>).</summary>
public sealed record PresenceRecord(string DeviceId, DateTimeOffset Time, DeviceStatus Status, PresenceCause Cause, string Detail);

/// <summary>
/// What changed in live state since the registry last took it: devices to write, presence changes to append, and the ids of
/// devices found to be none (to delete).
/// </summary>
public sealed record RegistryChanges(IReadOnlyList<RegisteredDevice> Devices, IReadOnlyList<PresenceRecord> Presence, IReadOnlyList<string> Removed);

/// <summary>A device live state forgot: its status topic (whose retained message may be cleared) and its series (whose history may be deleted).</summary>
public sealed record ForgottenDevice(string Id, string? StatusTopic, IReadOnlyList<(string Topic, string Metric)> Series);
