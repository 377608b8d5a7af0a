using Dashboard.Broker.Admin;
using Dashboard.Broker.Auth;
using Dashboard.Broker.Transport;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace Dashboard.Broker;

/// <summary>CONNECT: bans, credentials, client identities, takeovers and wills are judged before MQTTnet accepts it.</summary>
internal sealed partial class BrokerHost
{
    private async Task OnValidatingConnectionAsync(ValidatingConnectionEventArgs e)
    {
        if (e.ChannelAdapter is not MqttChannel channel)
        {
            return; // a session being restored
        }

        var connection = channel.Client;
        if (string.IsNullOrEmpty(e.ClientId) && e.ProtocolVersion == MqttProtocolVersion.V500)
        {
            e.AssignedClientIdentifier = ConnectHook.NewClientId();
            connection.ClientId = e.AssignedClientIdentifier;
        }

        if (string.IsNullOrEmpty(connection.ClientId))
        {
            return; // MQTTnet refuses it: "identifier rejected" (MQTT 3.1, or 3.1.1 without clean session)
        }

        if (!string.IsNullOrEmpty(e.AuthenticationMethod))
        {
            // MQTT 5 enhanced authentication (SCRAM, Kerberos …) is not offered: accepting the CONNECT would tell the client
            // its method succeeded [MQTT-4.12.0-1]. Username and password are the way in.
            Refuse(e, connection, MqttConnectReasonCode.BadAuthenticationMethod,
                $"Bad authentication method: {e.AuthenticationMethod} is not supported; use a username and password", $"authentication method {e.AuthenticationMethod}");
            return;
        }

        if (connection.InvalidWillTopic is { } willTopic)
        {
            // [MQTT-3.3.2-2]: the will would be a PUBLISH to a topic with wildcards (3.1.1 clients are closed on, with no code for it).
            Refuse(e, connection, MqttConnectReasonCode.TopicNameInvalid, "Topic Name invalid: a Last Will topic may hold no wildcard",
                $"its Last Will topic '{willTopic}' is not a topic name");
            return;
        }

        // Refused before the will is taken in: a client that may not connect leaves no will behind.
        var address = BrokerBans.IpOf(connection.RemoteEndPoint);
        if (bans.Match(connection.ClientId, e.UserName, address) is { } ban)
        {
            // Before the password is checked: a banned client costs no hashing. MQTT 3.1.1 has no "banned": 5, not authorized.
            connection.Will = null;
            Refuse(e, connection, e.ProtocolVersion == MqttProtocolVersion.V500 ? MqttConnectReasonCode.Banned : MqttConnectReasonCode.NotAuthorized,
                "Banned", $"banned by {ban.Kind switch { BanKind.ClientId => "client id", BanKind.UserName => "username", _ => "address" }} {ban.Value}"
                + (ban.Reason is { } why ? $": {why}" : ""));
            return;
        }

        var (outcome, identity) = await credentials.AuthenticateAsync(e.UserName, e.Password, address);
        connection.Identity = identity; // null when refused; BrokerUserHook installs it as the CONNACK goes out

        switch (outcome)
        {
            // MQTT 5 clients also get a reason string (CONNACK may carry one whatever Request Problem Information says).
            case AuthenticationOutcome.BadCredentials:
                Refuse(e, connection, MqttConnectReasonCode.BadUserNameOrPassword, // 3.1.1: return code 4
                    "Bad user name or password, or too many failed logins from this address: try again later",
                    e.Password is null ? "bad user name or password (no password)" : "bad user name or password, or backing off after failed logins");
                return;
            case AuthenticationOutcome.AnonymousRefused:
                Refuse(e, connection, MqttConnectReasonCode.NotAuthorized, // 3.1.1: return code 5
                    "Anonymous clients are not allowed: connect with a user name and password", "anonymous clients are not allowed");
                return;
            case AuthenticationOutcome.ServerBusy:
                Refuse(e, connection, MqttConnectReasonCode.ServerUnavailable, // 3.1.1: return code 3
                    "Too many logins are being checked: retry in a moment", "too many password checks waiting");
                return;
        }

        var userName = identity!.UserName;
        if (identities.HeldByAnotherUser(connection.ClientId, userName))
        {
            // Another user's client id (connected, or a persistent session kept offline), presented by a different
            // user or anonymously. Refused before MQTTnet takes the session over, so the owner's session, queue,
            // connection and will are untouched. 0x87 "not authorized" rather than 0x85 "client identifier not
            // valid": the id is well-formed and would be accepted from its owner; it is this client that may not use it.
            RefuseConnect(e, connection, _takeoverLog, "its client id belongs to another broker user's session");
            return;
        }

        if (connection.Will is { } will && rules.Check(userName, connection.ClientId, will.Topic) is not PublishRefusal.None and var refusal)
        {
            // Checked like a PUBLISH of the will would be, before it is taken in: a will the client may not publish
            // would otherwise be sent by the broker on its behalf, past the ACL.
            metrics.WillRefused();
            RefuseConnect(e, connection, _willLog, $"its Last Will topic is refused ({refusal})");
            return;
        }

        await connections.ConnectingAsync(connection);
        if (e.CleanSession != true)
        {
            redelivery.Resuming(connection);
        }

        await wills.OnConnectingAsync(connection);
    }

    private void RefuseConnect(ValidatingConnectionEventArgs e, ClientConnection connection, LogLimiter log, string why)
    {
        Refuse(e, connection, MqttConnectReasonCode.NotAuthorized, $"Not authorized: {why}", why); // 3.1.1: return code 5; MQTT 5: 0x87
        connection.Identity = null; // never installed, so it cannot stand for the session it tried to reach
        connection.Will = null;
        if (log.ShouldLog())
        {
            logger.LogWarning("Client {ClientId} (user {User}) refused as not authorized: {Why}",
                connection.ClientId, connection.UserName ?? "anonymous", why);
        }
    }

    /// <summary>Refuses the CONNECT with <paramref name="code"/> (told to the client with <paramref name="reasonString"/>) and tells the audit feed why.</summary>
    private void Refuse(ValidatingConnectionEventArgs e, ClientConnection connection, MqttConnectReasonCode code, string reasonString, string why)
    {
        e.ReasonCode = code;
        e.ReasonString = reasonString;
        audit.ConnectionRefused(connection, null, AuditCodes.Connect(connection.ProtocolVersion, code), why, clock.GetUtcNow());
    }
}
