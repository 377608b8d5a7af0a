using System.Collections.Concurrent;
using Dashboard.Broker.Events;
using Dashboard.Broker.Metrics;
using Dashboard.Broker.Transport;

namespace Dashboard.Broker;

/// <summary>The connected clients by client id, fed by the connections themselves; tells ingestion who came and went.</summary>
internal sealed class ConnectionRegistry(BrokerMetrics metrics, BrokerEventChannel events, TimeProvider clock) : IMqttPacketHook
{
    private readonly ConcurrentDictionary<string, ClientConnection> _connected = new(StringComparer.Ordinal);

    public int Count => _connected.Count;

    public bool IsConnected(string clientId) => _connected.ContainsKey(clientId);

    public bool TryGet(string clientId, out ClientConnection connection) => _connected.TryGetValue(clientId, out connection!);

    public IReadOnlyCollection<ClientConnection> Snapshot() => [.. _connected.Values];

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
        events.Publish(BrokerEvent.Connection(BrokerEventKind.ClientDisconnected, connection, clock.GetUtcNow()));
    }
}
