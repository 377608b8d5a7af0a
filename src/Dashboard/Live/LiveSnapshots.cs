using Dashboard.Devices;

namespace Dashboard.Live;

/// <summary>
/// One metric of one topic as it is now, with its recent values (oldest first) for a sparkline. <see cref="State"/> is
/// the word a state reading was sent as (<c>ON</c>, <c>closed</c>), whose <see cref="Value"/> is 1 or 0.
/// </summary>
public sealed record SeriesSnapshot(
    string Topic,
    string Metric,
    string DeviceId,
    double Value,
    string? Unit,
    DateTimeOffset Time,
    IReadOnlyList<double> Recent,
    IReadOnlyList<DateTimeOffset> RecentTimes,
    string? State = null)
{
    /// <summary>The name an admin gave the metric on its device; null shows <see cref="Metric"/>.</summary>
    public string? DisplayName { get; init; }

    public string Label => DisplayName ?? Metric;
}

/// <summary>
/// A device as the dashboard knows it, with what the registry holds for it (<see cref="Settings"/>). <see cref="Version"/>
/// changes whenever anything about it does. Its metrics carry the admin's names and units.
/// </summary>
public sealed record DeviceSnapshot(
    string Id,
    DeviceStatus Status,
    string? StatusSource,
    DateTimeOffset? LastSeen,
    DateTimeOffset? LastStatusChange,
    string? ClientId,
    string? RemoteAddress,
    string? ProtocolVersion,
    string? Transport,
    IReadOnlyList<SeriesSnapshot> Metrics,
    long Version)
{
    public PresenceCause? Cause { get; init; }
    public DateTimeOffset FirstSeen { get; init; }
    public DeviceSettings Settings { get; init; } = DeviceSettings.None;

    /// <summary>The topic its presence is reported on, if it has one.</summary>
    public string? StatusTopic { get; init; }

    /// <summary>Whether the client that publishes for it is connected now.</summary>
    public bool ClientConnected { get; init; }

    /// <summary>What pages call it: the admin's name, else its id.</summary>
    public string Name => Settings.DisplayName ?? Id;
}

/// <summary>A topic in the explorer. <see cref="PayloadHead"/> is the start of its last payload, for a one-line preview.</summary>
public sealed record TopicSnapshot(
    string Topic,
    DateTimeOffset LastReceived,
    long Messages,
    double MessagesPerSecond,
    bool Retained,
    int Qos,
    string? DeviceId,
    long Version,
    ReadOnlyMemory<byte> PayloadHead,
    int PayloadLength);

/// <summary>A topic with its last payload and who publishes it.</summary>
public sealed record TopicDetail(
    TopicSnapshot Summary,
    byte[] Payload,
    int PayloadLength,
    IReadOnlyList<string> Publishers,
    IReadOnlyList<SeriesSnapshot> Readings);

/// <summary>An MQTT client seen by the broker.</summary>
public sealed record ClientSnapshot(
    string ClientId,
    bool Connected,
    string? RemoteAddress,
    string ProtocolVersion,
    string Transport,
    DateTimeOffset ConnectedAt,
    DateTimeOffset? DisconnectedAt);
