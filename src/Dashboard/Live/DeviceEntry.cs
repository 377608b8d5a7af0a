using Dashboard.Devices;

namespace Dashboard.Live;

/// <summary>One device in live state: its presence, where that came from, its client and its series.</summary>
internal sealed class DeviceEntry(string id)
{
    public string Id { get; } = id;
    public DeviceStatus Status { get; set; }
    public string? StatusSource { get; set; }
    public string? StatusTopic { get; set; }
    public DateTimeOffset? LastSeen { get; set; }
    public DateTimeOffset? LastStatusChange { get; set; }
    public string? ClientId { get; set; }
    public List<SeriesEntry> Series { get; } = [];
    public long Version { get; set; }

    /// <param name="client">The device's client, if the broker still knows it.</param>
    public DeviceSnapshot Snapshot(ClientEntry? client) => new(
        Id,
        Status,
        StatusSource,
        LastSeen,
        LastStatusChange,
        ClientId,
        client?.Info.RemoteAddress,
        client?.Info.ProtocolVersion,
        client?.Info.Transport,
        [.. Series.Select(s => s.Snapshot())],
        Version);
}
