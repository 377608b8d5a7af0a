using System.Collections.Concurrent;
using Dashboard.Broker.Auth;
using Dashboard.Broker.Metrics;
using Dashboard.Broker.Persistence;
using Dashboard.Broker.Shared;
using Dashboard.Broker.Subscriptions;
using Dashboard.Broker.Transport;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace Dashboard.Broker.Sessions;

/// <summary>
/// Persistent sessions that survive a restart. MQTTnet keeps sessions in memory only and would queue
/// messages for an offline client without bound; here the broker records each persistent session's
/// subscriptions (as they are granted), keeps the queue of an offline session itself (bounded,
/// QoS 0 skipped unless configured), hands the queue back to MQTTnet when the client returns, and notes
/// every change for <see cref="SessionStore"/> to write in batches.
/// </summary>
internal sealed partial class PersistentSessions(
    BrokerServer broker,
    SubscriptionIndex index,
    BrokerAuthorizer acl,
    BrokerMetrics metrics,
    WriteAhead writeAhead,
    ClientPacketSizeLimits packetSizes,
    IOptions<BrokerOptions> options,
    TimeProvider clock,
    ILogger<PersistentSessions> logger) : IMqttPacketHook
{
    private readonly ConcurrentDictionary<string, SessionRecord> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SessionRecord> _offline = new(StringComparer.Ordinal);
    private long _expired;
    private readonly ConcurrentDictionary<string, SessionRecord> _changed = new(StringComparer.Ordinal);
    private readonly LogLimiter _dropLog = new(TimeSpan.FromSeconds(10));
    private long _sequence;

    /// <summary>Raised with the client id when a persistent session ends (clean start, expiry, a non-persistent reconnect, or its user deleted).</summary>
    public event Action<string>? SessionEnded;

    public int Count => _sessions.Count;

    public int OfflineCount => _offline.Count;

    /// <summary>Messages kept for persistent sessions: queued while they are offline, and sent but not acknowledged yet.</summary>
    public long StoredMessageCount()
    {
        long count = 0;
        foreach (var record in _sessions.Values)
        {
            lock (record)
            {
                count += record.Queue.Count + record.InFlight.Count;
            }
        }

        return count;
    }

    /// <summary>Sessions ended by their expiry interval since start (Mosquitto's <c>$SYS/broker/clients/expired</c>).</summary>
    public long ExpiredCount => Interlocked.Read(ref _expired);

    public bool TryGet(string clientId, out SessionRecord record) => _sessions.TryGetValue(clientId, out record!);

    public MqttPacket? Received(ClientConnection connection, MqttPacket packet)
    {
        if (packet is MqttConnectPacket { CleanSession: false } connect
            && _sessions.TryGetValue(connection.ClientId, out var old) && IsExpired(old))
        {
            // Expired while offline, and the sweep has not ended it yet: the client starts afresh (CONNACK session present 0),
            // as MQTTnet would otherwise resume its copy. Established ends the old record.
            Interlocked.Increment(ref _expired);
            connect.CleanSession = true;
            connection.CleanStart = true;
        }

        if (!connection.IsPersistentSession)
        {
            return packet;
        }

        switch (packet)
        {
            case MqttPublishPacket { QualityOfServiceLevel: MqttQualityOfServiceLevel.ExactlyOnce } publish
                when _sessions.TryGetValue(connection.ClientId, out var record) && !AddQos2(record, publish.PacketIdentifier):
                // Re-sent after a reconnect before our PUBREL came back: delivered once already, so only answered again.
                connection.Reply = new MqttPubRecPacket { PacketIdentifier = publish.PacketIdentifier };
                return null;
            case MqttPubRelPacket release when _sessions.TryGetValue(connection.ClientId, out var record):
                lock (record)
                {
                    record.Qos2Received.Remove(release.PacketIdentifier);
                }

                break;
            case MqttUnsubscribePacket unsubscribe when _sessions.TryGetValue(connection.ClientId, out var record):
                lock (record)
                {
                    foreach (var filter in unsubscribe.TopicFilters)
                    {
                        if (record.Subscriptions.Remove(filter))
                        {
                            record.ChangedFilters.Add(filter);
                        }
                    }
                }

                MarkChanged(record);
                break;
        }

        return packet;
    }

    public MqttPacket Sending(ClientConnection connection, MqttPacket packet)
    {
        if (packet is MqttSubAckPacket or MqttUnsubAckPacket && connection.IsPersistentSession && _sessions.ContainsKey(connection.ClientId))
        {
            connection.WriteAheadMark = writeAhead.Note(); // the SUBACK (UNSUBACK) waits until what it changed is stored
        }

        return packet;
    }

    /// <summary>
    /// A subscription was granted (by MQTTnet, or a shared one by the broker): a persistent session's record takes it at
    /// once, so it holds what MQTTnet holds even when the client leaves before its SUBACK is sent.
    /// </summary>
    public void Subscribed(string clientId, string filter, StoredSubscription subscription)
    {
        if (!_sessions.TryGetValue(clientId, out var record))
        {
            return;
        }

        lock (record)
        {
            if (record.Connection is not { IsPersistentSession: true }
                || (record.Subscriptions.TryGetValue(filter, out var held) && held == subscription))
            {
                return; // not a persistent connection's (a stored session being replayed, a clean one), or renewed unchanged
            }

            record.Subscriptions[filter] = subscription;
            record.ChangedFilters.Add(filter);
        }

        MarkChanged(record);
    }

    public void Established(ClientConnection connection)
    {
        var clientId = connection.ClientId;
        SessionRecord? record;
        if (connection.CleanStart && _sessions.TryRemove(clientId, out var previous))
        {
            End(previous);
        }

        if (connection.IsPersistentSession)
        {
            record = _sessions.GetOrAdd(clientId, NewRecord);
        }
        else if (!_sessions.TryGetValue(clientId, out record))
        {
            return; // a clean, non-persistent session: MQTTnet alone looks after it
        }

        lock (record)
        {
            record.UserName = connection.AuthenticatedUser;
            record.ExpirySeconds = connection.SessionExpirySeconds;
            record.DisconnectedAt = null;
            DrainInto(record, connection);
            record.Connection = connection;
            _offline.TryRemove(clientId, out _);
        }

        MarkChanged(record);
    }

    public void Closed(ClientConnection connection)
    {
        if (!connection.IsEstablished || !_sessions.TryGetValue(connection.ClientId, out var record))
        {
            return;
        }

        lock (record)
        {
            if (record.Connection != connection)
            {
                return; // taken over by a newer connection
            }

            record.Connection = null;
            if (connection.IsPersistentSession)
            {
                record.ExpirySeconds = connection.SessionExpirySeconds;
                record.DisconnectedAt = clock.GetUtcNow().UtcDateTime;
                _offline[record.ClientId] = record;
            }
        }

        if (!connection.IsPersistentSession && _sessions.TryRemove(new KeyValuePair<string, SessionRecord>(connection.ClientId, record)))
        {
            End(record);
        }

        MarkChanged(record);
    }

    /// <summary>Adds sessions loaded from the database, all offline.</summary>
    public void Restore(IEnumerable<SessionRecord> records)
    {
        foreach (var record in records)
        {
            _sessions[record.ClientId] = record;
            _offline[record.ClientId] = record;
            if (record.Queue.Count > 0)
            {
                _sequence = Math.Max(_sequence, record.Queue.Max(q => q.Sequence));
            }
        }
    }

    /// <summary>The persistent sessions, connected and offline.</summary>
    public IReadOnlyCollection<SessionRecord> Snapshot() => [.. _sessions.Values];

    /// <summary>Takes the sessions changed since the last call, for <see cref="SessionStore"/>.</summary>
    public List<SessionRecord> TakeChanged()
    {
        var changed = new List<SessionRecord>(_changed.Count);
        foreach (var key in _changed.Keys)
        {
            if (_changed.TryRemove(key, out var record))
            {
                changed.Add(record);
            }
        }

        return changed;
    }

    public void MarkChanged(SessionRecord record) => _changed[record.ClientId] = record;

    /// <summary>A new session; any rows an earlier session of the same client left behind are older than its sequences.</summary>
    private SessionRecord NewRecord(string clientId)
    {
        var sequence = Interlocked.Read(ref _sequence);
        return new SessionRecord(clientId) { RemovedUpTo = sequence, PersistedUpTo = sequence, RewriteSubscriptions = true };
    }

}
