using System.Collections;
using System.Runtime.CompilerServices;
using MQTTnet.Protocol;
using MQTTnet.Server.Internal;

namespace Dashboard.Broker.Subscriptions;

/// <summary>One session subscribed to a message, with what its matching subscriptions together ask for.</summary>
internal readonly record struct Subscriber(MqttSession Session, MqttQualityOfServiceLevel Qos, bool RetainAsPublished, List<uint>? Identifiers);

/// <summary>
/// The subscriptions of MQTTnet's sessions, in a tree of topic levels where <c>+</c> and <c>#</c> are children like any
/// other level; the broker routes every publish through it (<c>BrokerHost.Routing</c>). MQTTnet's own dispatch asks every
/// subscribed session about every message, about 73 ns per session (bench/README.md): 5,000 devices each subscribed to
/// their own command topic cost every reading 0.4 ms. Its topic comparison also misses two of §4.7's matches ("+/#" for a
/// one-level topic, "+" for an empty level), which this tree does not.
/// </summary>
internal sealed class SubscriptionIndex
{
    private sealed class Node
    {
        // Made when first needed: a device's own command topic is two nodes of its own ("cmnd/<id>/#"), the last without children.
        public Dictionary<string, Node>? Children;
        public readonly List<(MqttSession Session, MqttSubscription Subscription)> Subscriptions = [];

        public bool IsEmpty => (Children is null || Children.Count == 0) && Subscriptions.Count == 0;

        public Node? Child(string level) => Children?.GetValueOrDefault(level);

        public Node? Child(ReadOnlySpan<char> level) =>
            Children is not null && Children.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(level, out var child) ? child : null;
    }

    private readonly Lock _lock = new();
    private readonly Node _root = new();
    // Each client's sessions (a clean start leaves the replaced one here until its filters go), each with its filters: a
    // client with 100,000 filters must not make each change cost 100,000 steps.
    private readonly Dictionary<string, Dictionary<MqttSession, Dictionary<string, MqttSubscription>>> _byClient = new(StringComparer.Ordinal);

    private int _count;

    [ThreadStatic]
    private static List<(MqttSession Session, MqttSubscription Subscription)>? _foundOfThread;

    /// <summary>Subscriptions held, over all sessions (connected or not).</summary>
    public int Count => Volatile.Read(ref _count);

    [ThreadStatic]
    private static Dictionary<MqttSession, int>? _positionsOfThread;

    [ThreadStatic]
    private static List<(MqttSession Session, MqttSubscription Subscription)>? _sessionFoundOfThread; // TryMatch's own

    /// <summary>
    /// The session subscribed to <paramref name="filter"/> (again: its options replace the earlier ones); returns the
    /// subscription as MQTTnet granted it, or null when it was unsubscribed meanwhile.
    /// </summary>
    public MqttSubscription? Add(MqttSession session, string filter)
    {
        var subscription = SubscriptionOf(session, filter);
        if (subscription is null)
        {
            return null;
        }

        lock (_lock)
        {
            var node = _root;
            foreach (var level in filter.Split('/'))
            {
                node.Children ??= new(StringComparer.Ordinal);
                if (!node.Children.TryGetValue(level, out var child))
                {
                    node.Children[level] = child = new Node();
                }

                node = child;
            }

            var filters = FiltersOf(session, create: true)!;
            if (filters.ContainsKey(filter))
            {
                node.Subscriptions[node.Subscriptions.FindIndex(s => ReferenceEquals(s.Session, session))] = (session, subscription);
            }
            else
            {
                node.Subscriptions.Add((session, subscription));
                _count++;
            }

            filters[filter] = subscription;
        }

        return subscription;
    }

    /// <summary>Whether the session already holds a subscription to <paramref name="filter"/>.</summary>
    public bool Holds(MqttSession session, string filter)
    {
        lock (_lock)
        {
            return FiltersOf(session, create: false)?.ContainsKey(filter) == true;
        }
    }

    /// <summary>The session (known by its items) unsubscribed.</summary>
    public void Remove(string clientId, string filter, IDictionary sessionItems) =>
        RemoveWhere(clientId, s => ReferenceEquals(s.Items, sessionItems), only: filter);

    /// <summary>Forgets every filter of a session (known by its items) that ended.</summary>
    public void RemoveSession(string clientId, IDictionary sessionItems) => RemoveWhere(clientId, s => ReferenceEquals(s.Items, sessionItems));

    /// <summary>Forgets the filters of the client's sessions that are not <paramref name="current"/> (a clean start replaced them).</summary>
    public void RemoveAllBut(string clientId, MqttSession? current) => RemoveWhere(clientId, s => !ReferenceEquals(s, current));

    /// <summary>
    /// Adds to <paramref name="subscribers"/> each session subscribed to a message, once, as MQTT 5 asks when several of its
    /// subscriptions match: the highest granted QoS up to the message's, every subscription identifier [MQTT-3.3.4-3], and
    /// a No Local subscription left out for the client that published it [MQTT-3.8.3-3].
    /// </summary>
    public void Match(string topic, MqttQualityOfServiceLevel qos, string? senderId, List<Subscriber> subscribers)
    {
        var found = _foundOfThread ??= [];
        try
        {
            lock (_lock)
            {
                // [MQTT-4.7.2-1]: a topic starting with '$' is not matched by a filter starting with a wildcard.
                Collect(_root, topic, wildcards: !topic.StartsWith('$'), found);
            }

            // A session with several matching subscriptions ("a/#", "a/+") is found once per subscription.
            var positions = found.Count > 1 ? _positionsOfThread ??= new(ReferenceEqualityComparer.Instance) : null;
            foreach (var (session, subscription) in found)
            {
                var at = positions is not null && positions.TryGetValue(session, out var seen) ? seen : -1;
                if (Combine(at >= 0 ? subscribers[at] : null, session, subscription, qos, senderId) is not { } combined)
                {
                    continue;
                }

                if (at >= 0)
                {
                    subscribers[at] = combined;
                }
                else
                {
                    positions?.Add(session, subscribers.Count);
                    subscribers.Add(combined);
                }
            }
        }
        finally
        {
            found.Clear();
            _positionsOfThread?.Clear();
        }
    }

    /// <summary>
    /// Whether one session is subscribed to a message, and how (as <see cref="Match"/>): a message held for it, a retained
    /// one sent on SUBSCRIBE, its offline queue handed over. The tree is walked for the topic, as for routing, so the cost
    /// does not grow with how many filters the session holds (Home Assistant holds thousands).
    /// </summary>
    public bool TryMatch(MqttSession session, string topic, MqttQualityOfServiceLevel qos, string? senderId, out Subscriber subscriber)
    {
        var found = _sessionFoundOfThread ??= [];
        Subscriber? merged = null;
        try
        {
            lock (_lock)
            {
                Collect(_root, topic, wildcards: !topic.StartsWith('$'), found);
            }

            foreach (var (candidate, subscription) in found)
            {
                if (ReferenceEquals(candidate, session))
                {
                    merged = Combine(merged, session, subscription, qos, senderId);
                }
            }
        }
        finally
        {
            found.Clear();
        }

        subscriber = merged.GetValueOrDefault();
        return merged is not null;
    }

    /// <summary>
    /// What the session gets once <paramref name="subscription"/> is added to what its other matching subscriptions gave
    /// (<paramref name="merged"/>, null for none yet); null while nothing matches for it.
    /// </summary>
    private static Subscriber? Combine(Subscriber? merged, MqttSession session, MqttSubscription subscription, MqttQualityOfServiceLevel qos, string? senderId)
    {
        if (subscription.NoLocal && session.Id == senderId)
        {
            return merged;
        }

        var granted = subscription.GrantedQualityOfServiceLevel < qos ? subscription.GrantedQualityOfServiceLevel : qos;
        var id = subscription.Identifier;
        if (merged is not { } earlier)
        {
            return new Subscriber(session, granted, subscription.RetainAsPublished, id > 0 ? [id] : null);
        }

        var identifiers = id == 0 || earlier.Identifiers?.Contains(id) == true ? earlier.Identifiers : [.. earlier.Identifiers ?? [], id];
        return new Subscriber(session, granted > earlier.Qos ? granted : earlier.Qos, earlier.RetainAsPublished || subscription.RetainAsPublished, identifiers);
    }

    private static void Collect(Node node, ReadOnlySpan<char> rest, bool wildcards, List<(MqttSession, MqttSubscription)> found)
    {
        while (true)
        {
            // '#' matches the remaining levels, none included ("sport/#" matches "sport").
            if (wildcards && node.Child("#") is { } multi)
            {
                found.AddRange(multi.Subscriptions);
            }

            var slash = rest.IndexOf('/');
            if (wildcards && node.Child("+") is { } single)
            {
                CollectBelow(single, rest, slash, found);
            }

            var level = slash < 0 ? rest : rest[..slash];
            if (node.Child(level) is not { } exact)
            {
                return;
            }

            if (slash < 0)
            {
                CollectBelow(exact, rest, slash, found);
                return;
            }

            node = exact;
            rest = rest[(slash + 1)..];
            wildcards = true;
        }
    }

    // The node matched the topic's current level: the topic ends there, or goes on below it.
    private static void CollectBelow(Node node, ReadOnlySpan<char> rest, int slash, List<(MqttSession, MqttSubscription)> found)
    {
        if (slash >= 0)
        {
            Collect(node, rest[(slash + 1)..], wildcards: true, found);
            return;
        }

        found.AddRange(node.Subscriptions);
        if (node.Child("#") is { } multi)
        {
            found.AddRange(multi.Subscriptions); // "sport/#" matches "sport"
        }
    }

    private Dictionary<string, MqttSubscription>? FiltersOf(MqttSession session, bool create)
    {
        if (!_byClient.TryGetValue(session.Id, out var sessions))
        {
            if (!create)
            {
                return null;
            }

            _byClient[session.Id] = sessions = new(ReferenceEqualityComparer.Instance);
        }

        if (!sessions.TryGetValue(session, out var filters) && create)
        {
            sessions[session] = filters = new(StringComparer.Ordinal);
        }

        return filters;
    }

    /// <summary>Removes the filters of the client's sessions that <paramref name="stale"/> picks: all of them, or only <paramref name="only"/>.</summary>
    private void RemoveWhere(string clientId, Func<MqttSession, bool> stale, string? only = null)
    {
        lock (_lock)
        {
            if (!_byClient.TryGetValue(clientId, out var sessions))
            {
                return;
            }

            foreach (var (session, filters) in sessions.Where(s => stale(s.Key)).ToList())
            {
                foreach (var filter in only is null ? [.. filters.Keys] : filters.ContainsKey(only) ? [only] : Array.Empty<string>())
                {
                    RemoveFrom(_root, filter.Split('/'), 0, session);
                    filters.Remove(filter);
                    _count--;
                }

                if (filters.Count == 0)
                {
                    sessions.Remove(session);
                }
            }

            if (sessions.Count == 0)
            {
                _byClient.Remove(clientId);
            }
        }
    }

    // Removes the session at the filter's node, and the nodes left empty on the way back up.
    private static void RemoveFrom(Node node, string[] levels, int depth, MqttSession session)
    {
        if (depth == levels.Length)
        {
            node.Subscriptions.RemoveAll(s => ReferenceEquals(s.Session, session));
            return;
        }

        if (node.Child(levels[depth]) is { } child)
        {
            RemoveFrom(child, levels, depth + 1, session);
            if (child.IsEmpty)
            {
                node.Children!.Remove(levels[depth]);
            }
        }
    }

    /// <summary>How many filters MQTTnet's session holds now (those granted earlier in the same SUBSCRIBE included), and whether <paramref name="filter"/> is one.</summary>
    public static int FiltersHeld(MqttSession session, string filter, out bool holdsFilter)
    {
        var (count, held) = ReadSubscriptions(session, filter, static (subscriptions, filter) => (subscriptions.Count, subscriptions.ContainsKey(filter)));
        holdsFilter = held;
        return count;
    }

    /// <summary>The subscription MQTTnet's session holds for a filter, with what it granted (QoS, options, identifier).</summary>
    private static MqttSubscription? SubscriptionOf(MqttSession session, string filter) =>
        ReadSubscriptions(session, filter, static (subscriptions, filter) => subscriptions.GetValueOrDefault(filter));

    /// <summary>Reads MQTTnet's dictionary of the session's subscriptions under its own lock.</summary>
    private static T ReadSubscriptions<T>(MqttSession session, string filter, Func<Dictionary<string, MqttSubscription>, string, T> read)
    {
        var manager = SubscriptionsManager(session);
        var guard = SubscriptionsLock(manager);
        guard.EnterReadLock();
        try
        {
            return read(Subscriptions(manager), filter);
        }
        finally
        {
            guard.ExitReadLock();
        }
    }

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_subscriptionsManager")]
    private static extern ref MqttClientSubscriptionsManager SubscriptionsManager(MqttSession session);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_subscriptions")]
    private static extern ref Dictionary<string, MqttSubscription> Subscriptions(MqttClientSubscriptionsManager manager);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_subscriptionsLock")]
    private static extern ref ReaderWriterLockSlim SubscriptionsLock(MqttClientSubscriptionsManager manager);
}
