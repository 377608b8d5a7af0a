using Dashboard.Broker.Sessions;
using Dashboard.Broker.Transport;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace Dashboard.Broker.Auth;

/// <summary>
/// Keeps the broker's idea of who each client is in step with its connections and sessions: a client id that
/// comes back as someone else starts a new session; an identity is installed as CONNACK goes out and
/// forgotten when neither a connection nor a persistent session needs it; and a changed password or a deleted
/// user ends that user's connections at once (MQTT 5: DISCONNECT 0x98 "administrative action").
/// </summary>
internal sealed class BrokerUserHook : IMqttPacketHook
{
    private readonly CredentialCheck _credentials;
    private readonly ClientIdentities _identities;
    private readonly BrokerServer _broker;
    private readonly ConnectionRegistry _registry;
    private readonly PersistentSessions _sessions;
    private readonly ILogger<BrokerUserHook> _logger;

    public BrokerUserHook(
        BrokerUserStore users,
        CredentialCheck credentials,
        ClientIdentities identities,
        BrokerServer broker,
        ConnectionRegistry registry,
        PersistentSessions sessions,
        ILogger<BrokerUserHook> logger)
    {
        (_credentials, _identities, _broker, _registry, _sessions, _logger) = (credentials, identities, broker, registry, sessions, logger);

        // Here rather than in BrokerHost: the hook is what knows the connections, and it lives as long as the broker.
        users.Revoked += RevokeAsync;
    }

    public MqttPacket? Received(ClientConnection connection, MqttPacket packet)
    {
        // Another user (or anonymous) presenting the client id of someone's session must not inherit its
        // subscriptions and queued messages: it gets a clean start (CONNACK session present 0). MQTTnet reads
        // the flag only once the connection has been accepted, so a refused CONNECT leaves the session alone.
        if (packet is MqttConnectPacket { CleanSession: false } connect
            && !string.IsNullOrEmpty(connect.ClientId)
            && _identities.BelongsToSomeoneElse(connect.ClientId, connect.Username))
        {
            connect.CleanSession = true;
            connection.CleanStart = true;
        }

        return packet;
    }

    public void Established(ClientConnection connection)
    {
        if (connection.Identity is not { } identity)
        {
            return;
        }

        _identities.Install(connection.ClientId, identity);

        // The password changed or the user was deleted between the check of CONNECT and now: the revocation's
        // sweep of connected clients may have missed this one.
        if (!_credentials.IsCurrent(identity))
        {
            _ = Task.Run(() => DisconnectAsync(connection));
        }
    }

    public void Closed(ClientConnection connection)
    {
        if (connection.Identity is { } identity)
        {
            // PersistentSessions has seen the close already: its session is either kept offline or gone.
            var sessionKept = connection.IsPersistentSession && _sessions.TryGet(connection.ClientId, out _);
            _identities.Closed(connection.ClientId, identity, sessionKept);
        }
    }

    private async Task RevokeAsync(BrokerUserRevoked revoked)
    {
        try
        {
            // All at once: one client slow to take its DISCONNECT must not hold up the others.
            await Task.WhenAll(_registry.Snapshot().Where(c => c.AuthenticatedUser == revoked.Name).Select(DisconnectAsync));

            if (revoked.Deleted)
            {
                var ended = await _sessions.EndSessionsOfAsync(revoked.Name);
                _logger.LogInformation("Broker user {User} deleted: its clients were disconnected and {Sessions} persistent sessions ended", revoked.Name, ended);
            }
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Could not end the connections of broker user {User}", revoked.Name);
        }
    }

    private async Task DisconnectAsync(ClientConnection connection)
    {
        // By client id, so only while this very connection still holds it (not one that took the id over since).
        if (!_registry.TryGet(connection.ClientId, out var current) || current != connection)
        {
            return;
        }

        try
        {
            await _broker.Server.DisconnectClientAsync(connection.ClientId, new MqttServerClientDisconnectOptions
            {
                ReasonCode = MqttDisconnectReasonCode.AdministrativeAction, // MQTT 3.1.1 clients just see the socket close
            });
        }
        catch (InvalidOperationException)
        {
            // gone already
        }
    }
}
