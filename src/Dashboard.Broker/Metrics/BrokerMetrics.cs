using System.Diagnostics.Metrics;

namespace Dashboard.Broker.Metrics;

/// <summary>
/// The broker's counters: plain interlocked longs on the hot path, published as a <see cref="Meter"/> named
/// "Dashboard.Broker" for OpenTelemetry or dotnet-counters, and read by the Overview and $SYS topics.
/// </summary>
public sealed class BrokerMetrics : IDisposable
{
    public const string MeterName = "Dashboard.Broker";

    private readonly Meter _meter;
    private long _messagesReceived;
    private long _messagesSent;
    private long _bytesReceived;
    private long _bytesSent;
    private long _openConnections;
    private long _socketsOpened;
    private long _connectedClients;
    private long _clientsConnected;
    private long _packetsTooLarge;
    private long _messagesDropped;
    private long _ingestionDropped;
    private long _connectionsRefused;
    private long _topicsRefused;
    private long _subscriptionsRefused;
    private long _publishRateExceeded;
    private long _willsRefused;
    private long _packetsMalformed;
    private long _pendingRefused;
    private long _loginsThrottled;
    private long _tooLargeForClient;

    public BrokerMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _meter.CreateObservableCounter("mqtt.messages.received", () => MessagesReceived, description: "PUBLISH packets received from clients");
        _meter.CreateObservableCounter("mqtt.messages.sent", () => MessagesSent, description: "PUBLISH packets sent to clients");
        _meter.CreateObservableCounter("mqtt.bytes.received", () => Interlocked.Read(ref _bytesReceived), "By");
        _meter.CreateObservableCounter("mqtt.bytes.sent", () => Interlocked.Read(ref _bytesSent), "By");
        _meter.CreateObservableUpDownCounter("mqtt.clients.connected", () => ConnectedClients);
        _meter.CreateObservableCounter("mqtt.packets.too_large", () => PacketsTooLarge, description: "Connections closed for an oversized packet");
        _meter.CreateObservableCounter("mqtt.packets.malformed", () => PacketsMalformed, description: "Connections closed for a packet that breaks the protocol's rules (ill-formed UTF-8, reserved flags, missing packet identifier or topic filters, QoS 3)");
        _meter.CreateObservableCounter("mqtt.messages.dropped", () => MessagesDropped, description: "Messages dropped because a client's queue was full");
        _meter.CreateObservableCounter("mqtt.messages.too_large_for_client", () => MessagesTooLargeForClient, description: "Messages not sent to an MQTT 5 client because they exceed the Maximum Packet Size it set in CONNECT");
        _meter.CreateObservableCounter("mqtt.connections.refused", () => ConnectionsRefused, description: "Connections closed because Broker:MaxConnections were open");
        _meter.CreateObservableCounter("mqtt.topics.refused", () => TopicsRefused, description: "Topics and filters refused for Broker:MaxTopicLength or MaxTopicLevels");
        _meter.CreateObservableCounter("mqtt.subscriptions.refused", () => SubscriptionsRefused, description: "SUBSCRIBEs to a new filter refused because the client held Broker:MaxSubscriptionsPerClient");
        _meter.CreateObservableCounter("mqtt.messages.rate_limited", () => PublishRateExceeded, description: "Messages dropped because a client exceeded Broker:MaxPublishRatePerClient");
        _meter.CreateObservableCounter("mqtt.wills.refused", () => WillsRefused, description: "Last Wills refused at CONNECT or dropped when due, for the ACL or a reserved topic");
        _meter.CreateObservableCounter("mqtt.connections.refused_pending", () => PendingConnectionsRefused, description: "Connections closed because Broker:MaxPendingConnections or MaxPendingConnectionsPerAddress had not completed CONNECT");
        _meter.CreateObservableCounter("mqtt.connect.refused", () => RefusedConnections.Total, description: "Connections refused for any reason: credentials, bans, limits, protocol, before or at CONNECT");
        _meter.CreateObservableCounter("mqtt.logins.failed", () => LoginsFailed, description: "CONNECTs refused for their credentials (wrong password, unknown user or no credentials while anonymous access is off, or backing off)");
        _meter.CreateObservableCounter("mqtt.logins.throttled", () => LoginsThrottled, description: "CONNECTs refused without checking the password: the address or username is backing off, or too many password checks are waiting");
        _meter.CreateObservableCounter("dashboard.ingestion.dropped", () => IngestionDropped, description: "Broker events not ingested because the ingestion channel was full");
    }

    public long MessagesReceived => Interlocked.Read(ref _messagesReceived);
    public long MessagesSent => Interlocked.Read(ref _messagesSent);
    public long TotalBytesReceived => Interlocked.Read(ref _bytesReceived);
    public long TotalBytesSent => Interlocked.Read(ref _bytesSent);
    public long OpenConnections => Interlocked.Read(ref _openConnections);
    public long ConnectedClients => Interlocked.Read(ref _connectedClients);

    /// <summary>Connections accepted since start, and of those the clients whose CONNECT was accepted (Mosquitto's sockets and connections loads).</summary>
    public (long Sockets, long Clients) OpenedSinceStart => (Interlocked.Read(ref _socketsOpened), Interlocked.Read(ref _clientsConnected));
    public long PacketsTooLarge => Interlocked.Read(ref _packetsTooLarge);
    public long MessagesDropped => Interlocked.Read(ref _messagesDropped);
    public long IngestionDropped => Interlocked.Read(ref _ingestionDropped);
    public long ConnectionsRefused => Interlocked.Read(ref _connectionsRefused);
    public long TopicsRefused => Interlocked.Read(ref _topicsRefused);
    public long SubscriptionsRefused => Interlocked.Read(ref _subscriptionsRefused);
    public long PublishRateExceeded => Interlocked.Read(ref _publishRateExceeded);
    public long WillsRefused => Interlocked.Read(ref _willsRefused);
    public long PacketsMalformed => Interlocked.Read(ref _packetsMalformed);
    public long PendingConnectionsRefused => Interlocked.Read(ref _pendingRefused);
    public long LoginsFailed => FailedLogins.Total;
    public long LoginsThrottled => Interlocked.Read(ref _loginsThrottled);
    public long MessagesTooLargeForClient => Interlocked.Read(ref _tooLargeForClient);

    /// <summary>Every connection refused, before or at CONNECT (the audit feed counts them), with the last ones' address and user.</summary>
    public RecentRefusals RefusedConnections { get; } = new();

    /// <summary>Every CONNECT refused for its credentials, with the last ones' address and user.</summary>
    public RecentRefusals FailedLogins { get; } = new();

    public void MessageReceived() => Interlocked.Increment(ref _messagesReceived);
    public void MessageSent() => Interlocked.Increment(ref _messagesSent);
    public void BytesReceived(long count) => Interlocked.Add(ref _bytesReceived, count);
    public void BytesSent(long count) => Interlocked.Add(ref _bytesSent, count);
    /// <summary>Counts a new connection; returns the number open, this one included.</summary>
    public long ConnectionOpened()
    {
        Interlocked.Increment(ref _socketsOpened);
        return Interlocked.Increment(ref _openConnections);
    }

    public void ConnectionClosed() => Interlocked.Decrement(ref _openConnections);
    public void ClientConnected()
    {
        Interlocked.Increment(ref _clientsConnected);
        Interlocked.Increment(ref _connectedClients);
    }

    public void ClientDisconnected() => Interlocked.Decrement(ref _connectedClients);
    public void PacketTooLarge() => Interlocked.Increment(ref _packetsTooLarge);
    public void PacketMalformed() => Interlocked.Increment(ref _packetsMalformed);
    public void MessageDropped() => Interlocked.Increment(ref _messagesDropped);
    public void ConnectionRefused() => Interlocked.Increment(ref _connectionsRefused);
    public void TopicRefused() => Interlocked.Increment(ref _topicsRefused);
    public void SubscriptionRefused() => Interlocked.Increment(ref _subscriptionsRefused);
    public void PublishRateLimited() => Interlocked.Increment(ref _publishRateExceeded);
    public void WillRefused() => Interlocked.Increment(ref _willsRefused);
    public void PendingConnectionRefused() => Interlocked.Increment(ref _pendingRefused);
    public void LoginFailed(Refusal refusal) => FailedLogins.Add(refusal);
    public void LoginThrottled() => Interlocked.Increment(ref _loginsThrottled);
    public void MessageTooLargeForClient() => Interlocked.Increment(ref _tooLargeForClient);

    /// <summary>Counts one event the ingestion channel had no room for; returns the new total.</summary>
    public long IngestionDrop() => Interlocked.Increment(ref _ingestionDropped);

    public void Dispose() => _meter.Dispose();
}
