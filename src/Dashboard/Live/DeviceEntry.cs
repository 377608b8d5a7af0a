using Dashboard.Devices;

namespace Dashboard.Live;

/// <summary>One device in live state: its presence and why, its client, its series, and what the registry holds for it.</summary>
internal sealed class DeviceEntry(string id, DateTimeOffset firstSeen)
{
    public string Id { get; } = id;
    public DeviceStatus Status { get; set; }
    public PresenceCause? Cause { get; set; }

    /// <summary>The cause in words ("status topic home/esp32/status"), for the page and the timeline.</summary>
    public string? StatusSource { get; set; }

    public string? StatusTopic { get; set; }
    public DateTimeOffset FirstSeen { get; set; } = firstSeen;
    public DateTimeOffset? LastSeen { get; set; }
    public DateTimeOffset? LastStatusChange { get; set; }
    public string? ClientId { get; set; }

    /// <summary>The address its client last connected from, kept when the client is gone (and across restarts).</summary>
    public string? LastAddress { get; set; }

    public DeviceSettings Settings { get; set; } = DeviceSettings.None;
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
        client?.Info.RemoteAddress ?? LastAddress,
        client?.Info.ProtocolVersion,
        client?.Info.Transport,
        [.. Series.Select(MetricSnapshot)],
        Version)
    {
        Cause = Cause,
        FirstSeen = FirstSeen,
        Settings = Settings,
        ClientConnected = client?.Connected == true,
        StatusTopic = StatusTopic,
    };

    private SeriesSnapshot MetricSnapshot(SeriesEntry series)
    {
        var snapshot = series.Snapshot();
        return Settings.Metrics.TryGetValue(series.Metric, out var metric)
            ? snapshot with { DisplayName = metric.DisplayName, Unit = metric.Unit ?? snapshot.Unit }
            : snapshot;
    }
}
