using Dashboard.Broker.Sessions;
using Dashboard.Broker.Transport;
using MQTTnet.Packets;

namespace Dashboard.Broker.Subscriptions;

/// <summary>
/// The topic filters a client is subscribed to: those its connection was granted (SUBACK) and has not unsubscribed, and a
/// persistent session's, connected or not. Shared subscriptions (<c>$share/…</c>) are not listed.
/// </summary>
public sealed class BrokerSubscriptions
{
    private readonly ConnectionRegistry? _connections;
    private readonly PersistentSessions? _sessions;

    internal BrokerSubscriptions(ConnectionRegistry? connections, PersistentSessions? sessions)
    {
        _connections = connections;
        _sessions = sessions;
    }

    /// <summary>A broker without clients (for a page rendered without one).</summary>
    public static BrokerSubscriptions None { get; } = new(null, null);

    /// <summary>The client's filters, in ordinal order; empty when the broker knows no such client or session.</summary>
    public IReadOnlyList<string> Of(string clientId)
    {
        var filters = new SortedSet<string>(StringComparer.Ordinal);
        if (_connections is not null && _connections.TryGet(clientId, out var connection) && connection.HookState.TryGetValue(SubscriptionHook.Key, out var state))
        {
            var granted = (HashSet<string>)state;
            lock (granted)
            {
                filters.UnionWith(granted);
            }
        }

        if (_sessions is not null && _sessions.TryGet(clientId, out var record))
        {
            lock (record)
            {
                filters.UnionWith(record.Subscriptions.Keys.Where(f => !f.StartsWith(Shared.SharedSubscriptions.Prefix, StringComparison.Ordinal)));
            }
        }

        return [.. filters];
    }
}

/// <summary>Keeps each connection's granted filters in its hook state: SUBSCRIBE with its SUBACK, UNSUBSCRIBE.</summary>
internal sealed class SubscriptionHook : IMqttPacketHook
{
    public static readonly object Key = new();

    public MqttPacket? Received(ClientConnection connection, MqttPacket packet)
    {
        switch (packet)
        {
            case MqttSubscribePacket subscribe:
                connection.HookState[(Key, subscribe.PacketIdentifier)] = subscribe.TopicFilters.Select(f => f.Topic).ToArray();
                break;
            case MqttUnsubscribePacket unsubscribe when connection.HookState.TryGetValue(Key, out var state):
                var granted = (HashSet<string>)state;
                lock (granted)
                {
                    granted.ExceptWith(unsubscribe.TopicFilters);
                }

                break;
        }

        return packet;
    }

    public MqttPacket Sending(ClientConnection connection, MqttPacket packet)
    {
        if (packet is MqttSubAckPacket subAck && connection.HookState.TryRemove((Key, subAck.PacketIdentifier), out var pending))
        {
            var filters = (string[])pending;
            var granted = (HashSet<string>)connection.HookState.GetOrAdd(Key, _ => new HashSet<string>(StringComparer.Ordinal));
            lock (granted)
            {
                for (var i = 0; i < filters.Length && i < subAck.ReasonCodes.Count; i++)
                {
                    if ((int)subAck.ReasonCodes[i] <= 2)
                    {
                        granted.Add(filters[i]);
                    }
                }
            }
        }

        return packet;
    }
}
