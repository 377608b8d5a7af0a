using System.Collections.Concurrent;
using Dashboard.Broker.Events;
using Dashboard.Broker.Metrics;
using Dashboard.Broker.Transport;

namespace Dashboard.Broker;

/// <summary>The connected clients by client id, fed by the connections themselves; tells ingestion who came and went.</summary>
internal sealed class ConnectionRegistry(BrokerMetrics metrics, BrokerEventChannel events, TimeProvider clock, IHostApplicationLifetime lifetime) : IMqttPacketHook
{
    private readonly ConcurrentDictionary<string, ClientConnection> _connected = new(StringComparer.Ordinal);

    public int Count => _connected.Count;

    public bool IsConnected(string clientId) => _connected.ContainsKey(clientId);

    public bool TryGet(string clientId, out ClientConnection connection) => _connected.TryGetValue(clientId, out connection!);

    public IReadOnlyCollection<ClientConnection> Snapshot() => [.. _connected.Values];

    /// <summary>A new connection with this client id was accepted: the one holding the id now is being taken over.</summary>
    public void Connecting(ClientConnection connection)
    {
        if (_connected.TryGetValue(connection.ClientId, out var current) && current != connection)
        {
            current.TakenOver = true;
        }
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
