using System.Collections.Concurrent;
using System.Net;
using Dashboard.Broker.Auth;
using Dashboard.Broker.Events;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;

namespace Dashboard.Broker.Transport;

/// <summary>What the broker knows about one network connection, from its CONNECT to its end.</summary>
internal sealed class ClientConnection(string transport, EndPoint? remoteEndPoint, DateTimeOffset openedAt)
{
    public string Transport { get; } = transport;

    /// <summary>Inside TLS (<c>MqttTls</c>, <c>MqttWebSocketsTls</c>).</summary>
    public bool Tls { get; init; }
    public EndPoint? RemoteEndPoint { get; } = remoteEndPoint;
    public DateTimeOffset OpenedAt { get; } = openedAt;

    public string ClientId { get; set; } = "";
    public string? UserName { get; set; }

    /// <summary>Who CONNECT's credentials made the client; null until they were accepted.</summary>
    public ClientIdentity? Identity { get; set; }

    /// <summary>The broker user the credentials were verified for; null for an anonymous client (an unknown username included).</summary>
    public string? AuthenticatedUser => Identity?.UserName;

    public MqttProtocolVersion ProtocolVersion { get; set; }

    /// <summary>
    /// A broker bridging to this one: an MQTT 3.1/3.1.1 CONNECT whose protocol level has the bridge bit (0x80, Mosquitto's
    /// <c>try_private</c>). As Mosquitto does, its subscriptions are No Local and Retain As Published (see <see cref="ConnectHook"/>).
    /// </summary>
    public bool IsBridge { get; set; }

    public bool CleanStart { get; set; }
    public ushort KeepAliveSeconds { get; set; }

    /// <summary>
    /// MQTT 5's Receive Maximum from CONNECT, as a window: a QoS 1/2 PUBLISH to the client takes a place and its PUBACK
    /// (or PUBCOMP, or a failing PUBREC) gives it back; null when the client set none (65,535).
    /// </summary>
    public SendWindow? SendWindow { get; set; }

    /// <summary>Topic aliases sent to the client (<c>Broker:SendTopicAliases</c>, and a Topic Alias Maximum in its CONNECT); null: none.</summary>
    public OutboundTopicAliases? OutboundAliases { get; set; }

    /// <summary>MQTT 5's Maximum Packet Size from CONNECT: the largest packet the client accepts; 0 for no limit.</summary>
    public uint MaxPacketSize { get; set; }

    /// <summary>MQTT 5's Request Problem Information from CONNECT (absent: true); false keeps reason strings and user properties off acknowledgements.</summary>
    public bool RequestProblemInformation { get; set; } = true;

    /// <summary>The CONNECT as MQTTnet keeps it: a DISCONNECT that changes the session expiry changes it here too, as MQTTnet decides from it whether to keep its session.</summary>
    public MqttConnectPacket? Connect { get; set; }

    /// <summary>The Session Expiry Interval property of the client's MQTT 5 DISCONNECT, when it carried one (0 included, which MQTTnet cannot tell from absent).</summary>
    public uint? DisconnectSessionExpiry { get; set; }

    /// <summary>The keep-alive the broker imposed instead of the client's (MQTT 5 Server Keep Alive), if it did.</summary>
    public ushort? ServerKeepAlive { get; set; }

    /// <summary>Seconds the session outlives this connection: MQTT 5's own value, or for 3.1/3.1.1 the configured maximum when clean session is off.</summary>
    public uint SessionExpirySeconds { get; set; }

    public bool IsPersistentSession => SessionExpirySeconds > 0;

    /// <summary>The session expiry an MQTT 5 client asked for, before the configured cap.</summary>
    public uint RequestedSessionExpiry { get; set; }

    /// <summary>The Last Will, taken off the CONNECT so that the broker, not MQTTnet, decides when it is sent.</summary>
    public MqttApplicationMessage? Will { get; set; }
    public uint WillDelaySeconds { get; set; }

    /// <summary>An MQTT 5 CONNECT's Last Will topic that no PUBLISH could have (a wildcard, an empty topic): refused with 0x90.</summary>
    public string? InvalidWillTopic { get; set; }

    /// <summary>Where the Last Will goes, kept after the will itself has been sent or discarded.</summary>
    public string? WillTopicAtConnect { get; set; }

    /// <summary>Set once CONNACK (success) has gone out.</summary>
    public bool IsEstablished { get; set; }

    /// <summary>Its place among the connections that have not completed CONNECT; given back at CONNACK success or at close.</summary>
    public PendingConnections.Slot? Pending { get; set; }

    /// <summary>A packet a hook answers a swallowed packet with (e.g. PUBREC for a QoS 2 PUBLISH delivered already).</summary>
    public MqttPacket? Reply { get; set; }

    /// <summary>
    /// The <see cref="Persistence.WriteAhead"/> mark of the last change this client's publishes made that must be stored:
    /// its PUBACK/PUBREC waits until a commit covers it.
    /// </summary>
    public long WriteAheadMark { get; set; }

    /// <summary>The client's DISCONNECT, when it sent one.</summary>
    public MqttDisconnectPacket? ClientDisconnect { get; set; }

    /// <summary>Set when another connection with the same client id takes the session over (read by other threads).</summary>
    public bool TakenOver
    {
        get => Volatile.Read(ref _takenOver);
        set => Volatile.Write(ref _takenOver, value);
    }

    private bool _takenOver;

    /// <summary>MQTTnet is done with the connection; the hooks are seeing it close (<see cref="Ended"/> follows).</summary>
    public bool Closing
    {
        get => Volatile.Read(ref _closing);
        set => Volatile.Write(ref _closing, value);
    }

    private bool _closing;

    // Made on first use, as most connections never need them (memory per idle connection).
    private ConcurrentDictionary<string, Sessions.StoredSubscription>? _subscriptions;
    private ConcurrentDictionary<object, object>? _hookState;

    /// <summary>Once taken over: completed when this connection's send loop has stopped taking messages from the session.</summary>
    public TaskCompletionSource? SendLoopParked { get; set; }

    /// <summary>When the last packet arrived (<see cref="Environment.TickCount64"/>), to tell a keep-alive timeout from a lost connection.</summary>
    public long LastReceivedTicks { get; set; } = Environment.TickCount64;

    /// <summary>The subscriptions granted on this connection (SUBACK), for the admin's list of clients; see <see cref="Admin.ClientSubscriptions"/>.</summary>
    public ConcurrentDictionary<string, Sessions.StoredSubscription> Subscriptions =>
        _subscriptions ?? LazyInitializer.EnsureInitialized(ref _subscriptions, () => new(StringComparer.Ordinal));

    /// <summary>Messages for this client dropped because its queue was full.</summary>
    public long Dropped;

    /// <summary>What MQTTnet holds for the client and what waits beyond that (<see cref="Delivery.ClientQueues"/>).</summary>
    public Delivery.ClientBacklog Backlog { get; } = new();

    /// <summary>Completes once the connection has closed and every hook has seen it close.</summary>
    public TaskCompletionSource Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>How the connection ended, judged when it closes.</summary>
    public ConnectionEnd End(bool brokerStopping)
    {
        if (ClientDisconnect is { } disconnect)
        {
            return disconnect.ReasonCode == MQTTnet.Protocol.MqttDisconnectReasonCode.DisconnectWithWillMessage
                ? ConnectionEnd.DisconnectedWithWill
                : ConnectionEnd.Disconnected;
        }

        var silentMs = Environment.TickCount64 - LastReceivedTicks;
        return TakenOver ? ConnectionEnd.TakenOver
            : brokerStopping ? ConnectionEnd.BrokerStopping
            : KeepAliveSeconds > 0 && silentMs >= KeepAliveSeconds * 1000L ? ConnectionEnd.KeepAliveTimeout
            : ConnectionEnd.ConnectionLost;
    }

    /// <summary>
    /// Scratch space for packet hooks, e.g. a SUBSCRIBE awaiting its SUBACK keyed by (hook, packet id).
    /// Concurrent: the receive and send loops of a connection run at the same time.
    /// </summary>
    public ConcurrentDictionary<object, object> HookState => _hookState ?? LazyInitializer.EnsureInitialized(ref _hookState);

    /// <summary>A resumed session's unacknowledged packets with their original identifiers (<see cref="Delivery.Redelivery"/>).</summary>
    public Dictionary<MqttPublishPacket, ushort>? ResumedIdentifiers { get; set; }

    public override string ToString() => $"{ClientId} ({Transport} {RemoteEndPoint})";
}
