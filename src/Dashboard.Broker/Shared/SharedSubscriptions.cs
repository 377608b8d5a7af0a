using System.Collections.Immutable;
using Dashboard.Broker.Auth;
using Dashboard.Broker.Metrics;
using Dashboard.Broker.Sessions;
using Dashboard.Broker.Transport;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace Dashboard.Broker.Shared;

/// <summary>
/// MQTT 5 shared subscriptions (<c>$share/{group}/{filter}</c>), which MQTTnet refuses, offered to every
/// protocol version as Mosquitto does. The filters are taken out of SUBSCRIBE before MQTTnet sees it and their
/// reason codes put back into its SUBACK; each matching message goes to one member of each group, in turn,
/// preferring connected members, else queued for an offline persistent one.
/// </summary>
internal sealed partial class SharedSubscriptions(
    BrokerServer broker,
    ConnectionRegistry connections,
    PersistentSessions sessions,
    BrokerAuthorizer acl,
    ClientPacketSizeLimits packetSizes,
    BrokerMetrics metrics) : IMqttPacketHook
{
    public const string Prefix = "$share/";

    private readonly Lock _lock = new();
    private ImmutableArray<Group> _groups = [];

    /// <summary>A client in a group: the QoS it was granted and its SUBSCRIBE's subscription identifier (0: none).</summary>
    private sealed record Member(string ClientId, MqttQualityOfServiceLevel Qos, uint Identifier, ClientConnection? Owner)
    {
        /// <summary>What a message to this member carries [MQTT-3.3.4-3].</summary>
        public List<uint>? Identifiers { get; } = Identifier > 0 ? [Identifier] : null;
    }

    private sealed class Group(string name, string filter)
    {
        public string Name { get; } = name;
        public string Filter { get; } = filter;
        public ImmutableArray<Member> Members { get; set; } = [];
        public int Next;
    }

    /// <summary>Members over all groups: each is one subscription.</summary>
    public int Count => _groups.Sum(g => g.Members.Length);

    /// <summary>Splits <c>$share/group/filter</c>; false when it is not a valid shared subscription.</summary>
    public static bool TryParse(string topicFilter, out string group, out string filter)
    {
        group = filter = "";
        if (!topicFilter.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = topicFilter.AsSpan(Prefix.Length);
        var slash = rest.IndexOf('/');
        if (slash <= 0 || rest[..slash].IndexOfAny('+', '#') >= 0)
        {
            return false;
        }

        group = rest[..slash].ToString();
        filter = rest[(slash + 1)..].ToString();
        return MqttTopic.IsValidFilter(filter);
    }


    public MqttPacket? Received(ClientConnection connection, MqttPacket packet)
    {
        switch (packet)
        {
            case MqttSubscribePacket subscribe when subscribe.TopicFilters.Exists(IsShared):
                var granted = new List<(int Index, MqttSubscribeReasonCode Code)>();
                for (var i = 0; i < subscribe.TopicFilters.Count; i++)
                {
                    var topicFilter = subscribe.TopicFilters[i];
                    if (IsShared(topicFilter))
                    {
                        granted.Add((i, Subscribe(connection, topicFilter, subscribe.SubscriptionIdentifier)));
                    }
                }

                subscribe.TopicFilters.RemoveAll(IsShared);
                connection.HookState[(this, subscribe.PacketIdentifier)] = granted;
                break;

            case MqttUnsubscribePacket unsubscribe when unsubscribe.TopicFilters.Exists(f => f.StartsWith(Prefix, StringComparison.Ordinal)):
                var removed = new List<(int Index, MqttUnsubscribeReasonCode Code)>();
                for (var i = 0; i < unsubscribe.TopicFilters.Count; i++)
                {
                    var topicFilter = unsubscribe.TopicFilters[i];
                    if (topicFilter.StartsWith(Prefix, StringComparison.Ordinal))
                    {
                        removed.Add((i, Remove(connection.ClientId, topicFilter)
                            ? MqttUnsubscribeReasonCode.Success
                            : MqttUnsubscribeReasonCode.NoSubscriptionExisted));
                    }
                }

                unsubscribe.TopicFilters.RemoveAll(f => f.StartsWith(Prefix, StringComparison.Ordinal));
                connection.HookState[(this, unsubscribe.PacketIdentifier)] = removed;
                break;
        }

        return packet;
    }

    public MqttPacket Sending(ClientConnection connection, MqttPacket packet)
    {
        switch (packet)
        {
            case MqttSubAckPacket subAck when connection.HookState.TryRemove((this, subAck.PacketIdentifier), out var state):
                subAck.ReasonCodes = Merge(subAck.ReasonCodes, (List<(int, MqttSubscribeReasonCode)>)state);
                break;
            case MqttUnsubAckPacket unsubAck when connection.HookState.TryRemove((this, unsubAck.PacketIdentifier), out var state):
                unsubAck.ReasonCodes = Merge(unsubAck.ReasonCodes, (List<(int, MqttUnsubscribeReasonCode)>)state);
                break;
        }

        return packet;
    }

    public void Established(ClientConnection connection)
    {
        Update(connection.ClientId, members =>
            connection.CleanStart ? [.. members.Where(m => m.Owner == connection)] : [.. members.Select(m => m with { Owner = connection })]);
    }

    public void Closed(ClientConnection connection)
    {
        if (connection.IsEstablished && !connection.IsPersistentSession)
        {
            Update(connection.ClientId, members => [.. members.Where(m => m.Owner != connection)]);
        }
    }

    /// <summary>Forgets a client's memberships: its session has ended.</summary>
    public void RemoveClient(string clientId) => Update(clientId, _ => []);

    /// <summary>Adds a membership of a persistent session loaded from the database.</summary>
    public void Restore(string clientId, string topicFilter, MqttQualityOfServiceLevel qos, uint identifier)
    {
        if (TryParse(topicFilter, out var group, out var filter))
        {
            Add(group, filter, new Member(clientId, qos, identifier, null));
        }
    }

    private static bool IsShared(MqttTopicFilter filter) => filter.Topic?.StartsWith(Prefix, StringComparison.Ordinal) == true;

    private MqttSubscribeReasonCode Subscribe(ClientConnection connection, MqttTopicFilter topicFilter, uint identifier)
    {
        if (!TryParse(topicFilter.Topic, out var group, out var filter) || topicFilter.NoLocal)
        {
            // MQTT 5 §4.8.2: No Local on a shared subscription is a protocol error; we refuse just the filter.
            return connection.ProtocolVersion == MqttProtocolVersion.V500
                ? MqttSubscribeReasonCode.TopicFilterInvalid
                : MqttSubscribeReasonCode.UnspecifiedError;
        }

        if (!acl.CanSubscribe(connection.ClientId, filter))
        {
            // The ACL applies to the filter inside $share/{group}/, as for any subscription.
            return connection.ProtocolVersion == MqttProtocolVersion.V500
                ? MqttSubscribeReasonCode.NotAuthorized
                : MqttSubscribeReasonCode.UnspecifiedError;
        }

        var qos = topicFilter.QualityOfServiceLevel;
        Remove(connection.ClientId, topicFilter.Topic);
        Add(group, filter, new Member(connection.ClientId, qos, identifier, connection));
        sessions.Subscribed(connection.ClientId, topicFilter.Topic,
            new StoredSubscription(qos, NoLocal: false, topicFilter.RetainAsPublished, topicFilter.RetainHandling, identifier));
        return (MqttSubscribeReasonCode)(int)qos;
    }

    private void Add(string groupName, string filter, Member member)
    {
        lock (_lock)
        {
            var group = _groups.FirstOrDefault(g => g.Name == groupName && g.Filter == filter);
            if (group is null)
            {
                group = new Group(groupName, filter);
                _groups = _groups.Add(group);
            }

            group.Members = group.Members.Add(member);
        }
    }

    private bool Remove(string clientId, string topicFilter)
    {
        if (!TryParse(topicFilter, out var groupName, out var filter))
        {
            return false;
        }

        lock (_lock)
        {
            var group = _groups.FirstOrDefault(g => g.Name == groupName && g.Filter == filter);
            if (group is null || !group.Members.Any(m => m.ClientId == clientId))
            {
                return false;
            }

            group.Members = group.Members.RemoveAll(m => m.ClientId == clientId);
            if (group.Members.IsEmpty)
            {
                _groups = _groups.Remove(group);
            }

            return true;
        }
    }

    /// <summary>Replaces the memberships of one client in every group.</summary>
    private void Update(string clientId, Func<IEnumerable<Member>, ImmutableArray<Member>> change)
    {
        lock (_lock)
        {
            foreach (var group in _groups)
            {
                var mine = group.Members.Where(m => m.ClientId == clientId).ToList();
                if (mine.Count == 0)
                {
                    continue;
                }

                group.Members = group.Members.RemoveAll(m => m.ClientId == clientId).AddRange(change(mine));
            }

            _groups = _groups.RemoveAll(g => g.Members.IsEmpty);
        }
    }

    private static List<T> Merge<T>(List<T>? fromMqttNet, List<(int Index, T Code)> ours)
    {
        var merged = new List<T>((fromMqttNet?.Count ?? 0) + ours.Count);
        var next = 0;
        foreach (var (index, code) in ours)
        {
            while (merged.Count < index && fromMqttNet is not null && next < fromMqttNet.Count)
            {
                merged.Add(fromMqttNet[next++]);
            }

            merged.Add(code);
        }

        while (fromMqttNet is not null && next < fromMqttNet.Count)
        {
            merged.Add(fromMqttNet[next++]);
        }

        return merged;
    }
}
