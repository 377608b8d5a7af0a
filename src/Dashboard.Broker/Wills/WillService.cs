using System.Collections.Concurrent;
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
/// </summary>
internal sealed class WillService(
    BrokerServer broker,
    ConnectionRegistry connections,
    IHostApplicationLifetime lifetime,
    ILogger<WillService> logger) : IMqttPacketHook
{
    private readonly ConcurrentDictionary<string, DelayedWill> _delayed = new(StringComparer.Ordinal);

    private sealed record DelayedWill(MqttApplicationMessage Message, string? UserName, CancellationTokenSource Cancel);


    /// <summary>Called once a new connection is accepted, before its CONNACK.</summary>
    public async Task OnConnectingAsync(ClientConnection connection)
    {
        if (connections.TryGet(connection.ClientId, out var current) && current != connection && current.Will is { } will)
        {
            current.Will = null;
            var sessionEnds = connection.CleanStart || !current.IsPersistentSession;
            if (current.WillDelaySeconds == 0 || sessionEnds)
            {
                await PublishAsync(current.ClientId, current.UserName, will);
            }
        }

        if (_delayed.TryRemove(connection.ClientId, out var delayed))
        {
            await delayed.Cancel.CancelAsync();
            delayed.Cancel.Dispose();
            if (connection.CleanStart)
            {
                await PublishAsync(connection.ClientId, delayed.UserName, delayed.Message); // the old session ends now
            }
        }
    }

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
            _ = PublishAsync(connection.ClientId, connection.UserName, will);
            return;
        }

        var delayed = new DelayedWill(will, connection.UserName, new CancellationTokenSource());
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
            await PublishAsync(clientId, delayed.UserName, delayed.Message);
        }
    }

    private async Task PublishAsync(string clientId, string? userName, MqttApplicationMessage will)
    {
        try
        {
            await broker.PublishAsync(will, clientId, userName);
            logger.LogInformation("Sent the will of {ClientId} to {Topic}", clientId, will.Topic);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Could not send the will of {ClientId} to {Topic}", clientId, will.Topic);
        }
    }
}
