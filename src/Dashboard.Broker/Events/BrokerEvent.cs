using System.Buffers;
using Dashboard.Broker.Transport;
using MQTTnet;
using MQTTnet.Protocol;

namespace Dashboard.Broker.Events;

public enum BrokerEventKind
{
    MessagePublished,
    ClientConnected,
    ClientDisconnected,
}

/// <summary>
/// Which copy of a message an event is. The embedded broker's events are the only copy, for every job. An external broker
/// with several dashboard instances delivers each message twice to an instance that has it in its share: once through the
/// shared subscription (<see cref="Share"/>: this instance stores it, and no other does) and once through the plain
/// subscription every instance has (<see cref="Live"/>: every instance shows it live and the elected one judges alerts).
/// </summary>
public enum EventCopy
{
    Only,
    Share,
    Live,
}

/// <summary>How a client's connection ended, as far as the broker can tell.</summary>
public enum ConnectionEnd
{
    /// <summary>Still connected (the event is its connect).</summary>
    None,

    /// <summary>The client sent DISCONNECT (normal).</summary>
    Disconnected,

    /// <summary>The client sent DISCONNECT 0x04, asking for its will to be sent.</summary>
    DisconnectedWithWill,

    /// <summary>Nothing arrived from the client for a whole keep-alive period.</summary>
    KeepAliveTimeout,

    /// <summary>Another connection with the same client id took its session over.</summary>
    TakenOver,

    /// <summary>The network connection closed or failed without DISCONNECT.</summary>
    ConnectionLost,

    /// <summary>The broker is shutting down.</summary>
    BrokerStopping,
}

/// <summary>A client as it was when it connected or disconnected; <see cref="End"/> says how a disconnect came about.</summary>
public sealed record ClientInfo(
    string ClientId,
    string? UserName,
    string? RemoteAddress,
    string Transport,
    string ProtocolVersion,
    bool CleanStart,
    ushort KeepAliveSeconds,
    DateTimeOffset ConnectedAt,
    bool Graceful,
    string? WillTopic,
    ConnectionEnd End = ConnectionEnd.None)
{
    internal static ClientInfo Of(ClientConnection connection, ConnectionEnd end) => new(
        connection.ClientId,
        connection.UserName,
        connection.RemoteEndPoint?.ToString(),
        connection.Transport,
        ProtocolName(connection),
        connection.CleanStart,
        connection.KeepAliveSeconds,
        connection.OpenedAt,
        Graceful: connection.ClientDisconnect is not null,
        WillTopic: connection.WillTopicAtConnect,
        end);

    internal static string ProtocolName(ClientConnection connection) => (connection.ProtocolVersion, connection.IsBridge) switch
    {
        (MQTTnet.Formatter.MqttProtocolVersion.V310, false) => "3.1",
        (MQTTnet.Formatter.MqttProtocolVersion.V310, true) => "3.1 bridge",
        (MQTTnet.Formatter.MqttProtocolVersion.V311, false) => "3.1.1",
        (MQTTnet.Formatter.MqttProtocolVersion.V311, true) => "3.1.1 bridge",
        (MQTTnet.Formatter.MqttProtocolVersion.V500, _) => "5.0",
        _ => "unknown",
    };
}

/// <summary>
/// What the broker hands to ingestion. A struct, so the bounded channel stores it inline: one publish costs
/// no allocation here; the payload is MQTTnet's own immutable copy, not copied again. <see cref="Restored"/>
/// marks the retained messages replayed at start-up, so live state knows the last values and presence again.
/// A publish with a <see cref="Client"/> is that client's Last Will, sent because its connection ended as
/// <see cref="ClientInfo.End"/> says.
/// <see cref="Publisher"/> names who asked for a publish that no client made (<see cref="IBrokerPublisher"/>).
/// <see cref="Copy"/> says which of the dashboard's jobs the event is for (<see cref="EventCopy"/>).
/// </summary>
public readonly record struct BrokerEvent(
    BrokerEventKind Kind,
    DateTimeOffset Time,
    string ClientId,
    string? Topic,
    ReadOnlyMemory<byte> Payload,
    MqttQualityOfServiceLevel Qos,
    bool Retain,
    ClientInfo? Client,
    bool Restored = false,
    string? Publisher = null,
    EventCopy Copy = EventCopy.Only)
{
    /// <summary>Whether live state, presence, controls and alerts take this event (every copy but this instance's share).</summary>
    public bool IsForLiveView => Copy != EventCopy.Share;

    /// <summary>Whether history stores it and conventions answer it (every copy but the live view's).</summary>
    public bool IsForStorage => Copy != EventCopy.Live;

    public static BrokerEvent Published(MqttApplicationMessage message, string? clientId, DateTimeOffset time, bool restored = false, string? publisher = null) => new(
        BrokerEventKind.MessagePublished,
        time,
        clientId ?? "",
        message.Topic,
        message.Payload.IsSingleSegment ? message.Payload.First : message.Payload.ToArray(),
        message.QualityOfServiceLevel,
        message.Retain,
        null,
        restored,
        publisher);

    internal static BrokerEvent Connection(BrokerEventKind kind, ClientConnection connection, DateTimeOffset time, ConnectionEnd end = ConnectionEnd.None) => new(
        kind,
        time,
        connection.ClientId,
        null,
        default,
        default,
        false,
        ClientInfo.Of(connection, end));
}
