using Dashboard.Broker.Events;
using Dashboard.Broker.Sessions;
using Dashboard.Broker.Transport;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace Dashboard.Broker.Admin;

/// <summary>A subscription as SUBACK granted it, with its MQTT 5 options.</summary>
public sealed record BrokerClientSubscription(string Filter, int Qos, bool NoLocal, bool RetainAsPublished, int RetainHandling, uint? SubscriptionIdentifier);

/// <summary>
/// A connected client or an offline persistent session. <see cref="Queued"/>: messages waiting to be sent (the offline
/// queue, or while connected MQTTnet's queue and the broker's backlog); <see cref="InFlight"/>: QoS 1/2 messages sent to
/// the client and not acknowledged yet (for an offline session: handed to it before it went); <see cref="MessagesIn"/>/<see cref="MessagesOut"/>: PUBLISH packets of this connection.
/// </summary>
public sealed record BrokerClientInfo(
    string ClientId,
    bool Connected,
    string? UserName,
    string? Address,
    string? ProtocolVersion,
    string? Transport,
    int? KeepAliveSeconds,
    DateTimeOffset? ConnectedSince,
    DateTimeOffset? DisconnectedAt,
    bool PersistentSession,
    long SessionExpirySeconds,
    IReadOnlyList<BrokerClientSubscription> Subscriptions,
    long Queued,
    int InFlight,
    long MessagesIn,
    long MessagesOut,
    long Dropped);

/// <summary>The broker's clients and persistent sessions for an admin: listed, disconnected, their sessions ended.</summary>
public sealed class BrokerClients
{
    private static readonly TimeSpan CloseWait = TimeSpan.FromSeconds(5);
    private readonly ConnectionRegistry _connections;
    private readonly PersistentSessions _sessions;
    private readonly BrokerServer _broker;

    internal BrokerClients(ConnectionRegistry connections, PersistentSessions sessions, BrokerServer broker) =>
        (_connections, _sessions, _broker) = (connections, sessions, broker);

    /// <summary>Connected clients first, then offline persistent sessions, each by client id.</summary>
    public async Task<IReadOnlyList<BrokerClientInfo>> ListAsync()
    {
        var status = await StatusAsync();
        var records = _sessions.Snapshot().ToDictionary(r => r.ClientId, StringComparer.Ordinal);
        var list = new List<BrokerClientInfo>();
        foreach (var connection in _connections.Snapshot())
        {
            list.Add(Describe(connection, records.GetValueOrDefault(connection.ClientId), status.GetValueOrDefault(connection.ClientId)));
        }

        foreach (var record in records.Values)
        {
            if (!_connections.IsConnected(record.ClientId))
            {
                list.Add(Describe(null, record, null));
            }
        }

        return [.. list.OrderBy(c => c.Connected ? 0 : 1).ThenBy(c => c.ClientId, StringComparer.Ordinal)];
    }

    public async Task<BrokerClientInfo?> FindAsync(string clientId)
    {
        _connections.TryGet(clientId, out var connection);
        _sessions.TryGet(clientId, out var record);
        if (connection is null && record is null)
        {
            return null;
        }

        var status = connection is null ? null : (await StatusAsync()).GetValueOrDefault(clientId);
        return Describe(connection, record, status);
    }

    /// <summary>Disconnects the client (MQTT 5: DISCONNECT 0x98 "administrative action") and waits for it to close; false when it was not connected.</summary>
    public async Task<bool> DisconnectAsync(string clientId) =>
        _connections.TryGet(clientId, out var connection) && await DisconnectAsync(connection);

    /// <summary>Disconnects the client and ends its persistent session (subscriptions and queue deleted); false when there was neither.</summary>
    public async Task<bool> EndSessionAsync(string clientId)
    {
        var disconnected = await DisconnectAsync(clientId);
        return await _sessions.EndSessionAsync(clientId) || disconnected;
    }

    /// <summary>Disconnects every connected client that <paramref name="matches"/>; returns how many.</summary>
    internal async Task<int> DisconnectWhereAsync(Func<ClientConnection, bool> matches)
    {
        var results = await Task.WhenAll(_connections.Snapshot().Where(matches).Select(DisconnectAsync));
        return results.Count(done => done);
    }

    private async Task<bool> DisconnectAsync(ClientConnection connection)
    {
        if (!_connections.TryGet(connection.ClientId, out var current) || current != connection)
        {
            return false;
        }

        try
        {
            await _broker.Server.DisconnectClientAsync(connection.ClientId, new MqttServerClientDisconnectOptions
            {
                ReasonCode = MqttDisconnectReasonCode.AdministrativeAction, // MQTT 3.1.1 clients just see the socket close
                ReasonString = "Disconnected by an administrator",
            });
        }
        catch (InvalidOperationException)
        {
            // gone already
        }

        // Its session is settled (kept offline, or gone) only once every hook has seen the close.
        await connection.Ended.Task.WaitAsync(CloseWait).ContinueWith(_ => { }, TaskScheduler.Default);
        return true;
    }

    private async Task<Dictionary<string, MqttClientStatus>> StatusAsync()
    {
        if (!_broker.IsRunning)
        {
            return [];
        }

        var clients = await _broker.Server.GetClientsAsync();
        var byId = new Dictionary<string, MqttClientStatus>(StringComparer.Ordinal);
        foreach (var client in clients)
        {
            byId[client.Id] = client;
        }

        return byId;
    }

    private static BrokerClientInfo Describe(ClientConnection? connection, SessionRecord? record, MqttClientStatus? status)
    {
        List<BrokerClientSubscription> subscriptions;
        int queued, inFlight;
        long recordDropped;
        DateTime? disconnectedAt;
        string? recordUser;
        uint expiry;
        if (record is not null)
        {
            lock (record)
            {
                subscriptions = [.. record.Subscriptions.Select(s => Subscription(s.Key, s.Value))];
                (queued, inFlight, recordDropped, disconnectedAt, recordUser, expiry) =
                    (record.Queue.Count, record.InFlight.Count, record.Dropped, record.DisconnectedAt, record.UserName, record.ExpirySeconds);
            }
        }
        else
        {
            subscriptions = [.. connection!.Subscriptions.Select(s => Subscription(s.Key, s.Value))];
            (queued, inFlight, recordDropped, disconnectedAt, recordUser, expiry) = (0, 0, 0, null, null, 0);
        }

        if (connection is null)
        {
            return new BrokerClientInfo(record!.ClientId, false, recordUser, null, null, null, null, null,
                disconnectedAt is { } at ? new DateTimeOffset(at, TimeSpan.Zero) : null, true, expiry,
                [.. subscriptions.OrderBy(s => s.Filter, StringComparer.Ordinal)], queued, inFlight, 0, 0, recordDropped);
        }

        var pending = (status?.Session?.PendingApplicationMessagesCount ?? 0) + connection.Backlog.HeldCount;
        return new BrokerClientInfo(
            connection.ClientId,
            true,
            connection.AuthenticatedUser ?? connection.UserName,
            BrokerAuditFeed.AddressOf(connection.RemoteEndPoint),
            ClientInfo.ProtocolName(connection),
            TransportName(connection),
            connection.ServerKeepAlive ?? connection.KeepAliveSeconds,
            connection.OpenedAt,
            null,
            connection.IsPersistentSession,
            connection.SessionExpirySeconds,
            [.. subscriptions.OrderBy(s => s.Filter, StringComparer.Ordinal)],
            pending,
            connection.Backlog.InFlight,
            // MQTTnet counts as the client sees it: what the client sent came in to the broker.
            status?.SentApplicationMessagesCount ?? 0,
            status?.ReceivedApplicationMessagesCount ?? 0,
            recordDropped + Interlocked.Read(ref connection.Dropped));
    }

    private static string TransportName(ClientConnection connection) => (connection.Transport, connection.Tls) switch
    {
        ("tcp", false) => "tcp",
        ("tcp", true) => "tls",
        (_, false) => "ws",
        (_, true) => "wss",
    };

    private static BrokerClientSubscription Subscription(string filter, StoredSubscription s) =>
        new(filter, (int)s.Qos, s.NoLocal, s.RetainAsPublished, (int)s.RetainHandling, s.Identifier == 0 ? null : s.Identifier);
}
