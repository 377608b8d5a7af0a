using System.Collections.Concurrent;
using Dashboard.Broker.Auth;
using Dashboard.Broker.Events;
using Dashboard.Broker.Metrics;
using Dashboard.Broker.Transport;
using MQTTnet;
using MQTTnet.Protocol;

namespace Dashboard.Broker.Wills;

/// <summary>
/// Sends Last Wills by the MQTT 5 rules, for every protocol version: when a connection ends without a normal
/// DISCONNECT (dropped, timed out, protocol error, or DISCONNECT with reason 0x04), after the will delay
/// or when the session ends, whichever comes first; cancelled when the client resumes its session in time;
/// on takeover, before the new connection's CONNACK, so "offline" can never overtake the new "online".
/// Wills are not sent when the broker itself shuts down: the devices did not go away.
/// A will is judged like a PUBLISH of its client: at CONNECT (<see cref="BrokerHost"/> refuses the connection) and
/// again here when it is due, by the ACL as it is then; a will its client may no longer publish is dropped and counted.
/// </summary>
internal sealed class WillService(
    BrokerServer broker,
    ConnectionRegistry connections,
    PublishRules rules,
    BrokerMetrics metrics,
    IHostApplicationLifetime lifetime,
    ILogger<WillService> logger) : IMqttPacketHook
{
    private readonly ConcurrentDictionary<string, DelayedWill> _delayed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<MqttApplicationMessage, ClientInfo> _sending = new(ReferenceEqualityComparer.Instance);
    private readonly LogLimiter _refusedLog = new(TimeSpan.FromSeconds(10));

    /// <summary>
    /// Whose will it is: the client id, the CONNECT's username (the sender MQTTnet is told), the broker user it was
    /// authenticated as (null: anonymous), and the client as it left (for ingestion: why the will was sent).
    /// </summary>
    private readonly record struct Sender(string ClientId, string? UserName, string? AuthenticatedUser, ClientInfo Info)
    {
        public static Sender Of(ClientConnection connection, ConnectionEnd end) =>
            new(connection.ClientId, connection.UserName, connection.AuthenticatedUser, ClientInfo.Of(connection, end));
    }

    private sealed record DelayedWill(MqttApplicationMessage Message, Sender Sender, CancellationTokenSource Cancel);


    /// <summary>Called once a new connection is accepted, before its CONNACK.</summary>
    public async Task OnConnectingAsync(ClientConnection connection)
    {
        if (connections.TryGet(connection.ClientId, out var current) && current != connection && current.Will is { } will)
        {
            current.Will = null;
            var sessionEnds = connection.CleanStart || !current.IsPersistentSession;
            if (current.WillDelaySeconds == 0 || sessionEnds)
            {
                await PublishAsync(Sender.Of(current, ConnectionEnd.TakenOver), will);
            }
        }

        if (_delayed.TryRemove(connection.ClientId, out var delayed))
        {
            await delayed.Cancel.CancelAsync();
            delayed.Cancel.Dispose();
            if (connection.CleanStart)
            {
                await PublishAsync(delayed.Sender, delayed.Message); // the old session ends now
            }
        }
    }

    /// <summary>The client whose Last Will this message is, while the broker sends it; null for any other publish.</summary>
    public ClientInfo? SenderOf(MqttApplicationMessage message) =>
        !_sending.IsEmpty && _sending.TryGetValue(message, out var info) ? info : null;

    public void Closed(ClientConnection connection)
    {
        var will = connection.Will;
        connection.Will = null;
        if (will is null || !connection.IsEstablished)
        {
            return;
        }

        if (connection.ClientDisconnect is { } disconnect && disconnect.ReasonCode != MqttDisconnectReasonCode.DisconnectWithWillMessage)
        {
            return;
        }

        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            logger.LogDebug("Not sending the will of {ClientId}: the broker is shutting down", connection.ClientId);
            return;
        }

        var delay = connection.IsPersistentSession ? Math.Min(connection.WillDelaySeconds, connection.SessionExpirySeconds) : 0;
        if (delay == 0)
        {
            _ = PublishAsync(Sender.Of(connection, connection.End(brokerStopping: false)), will);
            return;
        }

        var delayed = new DelayedWill(will, Sender.Of(connection, connection.End(brokerStopping: false)), new CancellationTokenSource());
        _delayed[connection.ClientId] = delayed;
        _ = PublishLaterAsync(connection.ClientId, delayed, TimeSpan.FromSeconds(delay));
    }

    private async Task PublishLaterAsync(string clientId, DelayedWill delayed, TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, delayed.Cancel.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        if (_delayed.TryRemove(new KeyValuePair<string, DelayedWill>(clientId, delayed)))
        {
            delayed.Cancel.Dispose();
            await PublishAsync(delayed.Sender, delayed.Message);
        }
    }

    private async Task PublishAsync(Sender sender, MqttApplicationMessage will)
    {
        // Again now: the user's ACL may have changed (or the user been deleted) since CONNECT.
        if (rules.Check(sender.AuthenticatedUser, sender.ClientId, will.Topic) is not PublishRefusal.None and var refusal)
        {
            metrics.WillRefused();
            if (_refusedLog.ShouldLog())
            {
                logger.LogWarning("Dropped the will of {ClientId} (user {User}) to {Topic}: {Refusal} by the rules as they are now",
                    sender.ClientId, sender.AuthenticatedUser ?? "anonymous", will.Topic, refusal);
            }

            return;
        }

        _sending[will] = sender.Info;
        try
        {
            await broker.PublishAsync(will, sender.ClientId, sender.UserName);
            logger.LogInformation("Sent the will of {ClientId} to {Topic}", sender.ClientId, will.Topic);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Could not send the will of {ClientId} to {Topic}", sender.ClientId, will.Topic);
        }
        finally
        {
            _sending.TryRemove(will, out _);
        }
    }
}
