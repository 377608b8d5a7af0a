using System.Collections.Concurrent;
using Dashboard.Broker.Events;
using Dashboard.Broker.Metrics;
using Dashboard.Broker.Transport;
using MQTTnet.Internal;
using MQTTnet.Packets;

namespace Dashboard.Broker;

/// <summary>The connected clients by client id, fed by the connections themselves; tells ingestion who came and went.</summary>
internal sealed class ConnectionRegistry(BrokerMetrics metrics, BrokerEventChannel events, TimeProvider clock, IHostApplicationLifetime lifetime) : IMqttPacketHook
{
    private readonly ConcurrentDictionary<string, ClientConnection> _connected = new(StringComparer.Ordinal);

    public int Count => _connected.Count;

    public bool IsConnected(string clientId) => _connected.ContainsKey(clientId);

    public bool TryGet(string clientId, out ClientConnection connection) => _connected.TryGetValue(clientId, out connection!);

    public IReadOnlyCollection<ClientConnection> Snapshot() => [.. _connected.Values];

    /// <summary>
    /// A new connection with this client id was accepted; MQTTnet resumes the session next, re-queuing what it had sent
    /// and not had acknowledged. Returns once the connection holding the id takes no more from that session:
    /// <list type="bullet">
    /// <item>if it is closing, once its hooks are done (its client queue hands what it held to the session first), 1 s at most;</item>
    /// <item>if it is live, it is taken over: a PING response queued for it wakes its send loop if it idles, and the
    /// channel parks the loop (<see cref="MqttChannel"/>); a loop that is stuck (a dead client's full window or socket)
    /// takes nothing either: 200 ms at most.</item>
    /// </list>
    /// </summary>
    public async Task ConnectingAsync(ClientConnection connection)
    {
        if (!_connected.TryGetValue(connection.ClientId, out var current) || current == connection)
        {
            return;
        }

        if (current.Closing)
        {
            await Task.WhenAny(current.Ended.Task, Task.Delay(TimeSpan.FromSeconds(1)));
            return;
        }

        var parked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        current.SendLoopParked = parked;
        current.TakenOver = true;
        current.Backlog.Session?.EnqueueControlPacket(new MqttPacketBusItem(new MqttPingRespPacket()));
        await Task.WhenAny(parked.Task, Task.Delay(TimeSpan.FromMilliseconds(200)));
    }

    public void Established(ClientConnection connection)
    {
        _connected[connection.ClientId] = connection;
        metrics.ClientConnected();
        events.Publish(BrokerEvent.Connection(BrokerEventKind.ClientConnected, connection, clock.GetUtcNow()));
    }

    public void Closed(ClientConnection connection)
    {
        if (!connection.IsEstablished)
        {
            return;
        }

        _connected.TryRemove(new KeyValuePair<string, ClientConnection>(connection.ClientId, connection));
        metrics.ClientDisconnected();
        var end = connection.End(lifetime.ApplicationStopping.IsCancellationRequested);
        events.Publish(BrokerEvent.Connection(BrokerEventKind.ClientDisconnected, connection, clock.GetUtcNow(), end));
    }
}
