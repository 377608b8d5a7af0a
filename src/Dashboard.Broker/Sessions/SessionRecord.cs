using System.Buffers;
using Dashboard.Broker.Transport;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server.Internal;

namespace Dashboard.Broker.Sessions;

/// <summary>How a persistent session subscribed to one filter.</summary>
internal readonly record struct StoredSubscription(
    MqttQualityOfServiceLevel Qos, bool NoLocal, bool RetainAsPublished, MqttRetainHandling RetainHandling, uint Identifier)
{
    /// <summary>A subscription as MQTTnet granted it.</summary>
    public static StoredSubscription Of(MqttSubscription granted) => new(
        granted.GrantedQualityOfServiceLevel, granted.NoLocal, granted.RetainAsPublished, granted.RetainHandling, granted.Identifier);
}

/// <summary>The session row's own columns.</summary>
internal sealed record SessionRow(string? UserName, long ExpirySeconds, DateTime? DisconnectedAt);

/// <summary>
/// A message a persistent session is owed, at the QoS and retain flag it is delivered with; <see cref="Sequence"/> orders it
/// and keys its database row. <see cref="Message"/> may be shared with other receivers: never change it.
/// </summary>
internal sealed record QueuedMessage(long Sequence, MqttApplicationMessage Message, DateTime QueuedAt, MqttQualityOfServiceLevel Qos, bool Retain);

/// <summary>
/// The broker's record of one persistent session: its subscriptions and the QoS 1/2 messages it is owed, each kept in
/// the database until the client acknowledges it: queued while it is offline, in flight once handed to MQTTnet.
/// Lock the record to read or change it.
/// </summary>
internal sealed class SessionRecord(string clientId)
{
    public string ClientId { get; } = clientId;

    /// <summary>The broker user the session's client last connected as (null: anonymous); its ACL judges what is queued for it.</summary>
    public string? UserName { get; set; }

    /// <summary>The connection using the session, or null while it is offline.</summary>
    public ClientConnection? Connection { get; set; }

    public uint ExpirySeconds { get; set; }
    public DateTime? DisconnectedAt { get; set; }
    public Dictionary<string, StoredSubscription> Subscriptions { get; } = new(StringComparer.Ordinal);
    /// <summary>Owed while offline, oldest first; handed to MQTTnet when the client returns.</summary>
    public Queue<QueuedMessage> Queue { get; } = new();

    /// <summary>Handed to MQTTnet (queued there or sent) and not yet acknowledged by the client (PUBACK, PUBCOMP).</summary>
    public LinkedList<QueuedMessage> InFlight { get; } = new();

    /// <summary>Sequences no longer owed (acknowledged, expired, dropped) whose rows the next flush deletes.</summary>
    public List<long> Finished { get; } = [];

    /// <summary>Inbound QoS 2 packet ids answered with PUBREC and awaiting PUBREL: a PUBLISH re-sent with one is not delivered again.</summary>
    public HashSet<ushort> Qos2Received { get; } = [];

    /// <summary>Highest queue sequence written to the database.</summary>
    public long PersistedUpTo { get; set; }

    /// <summary>No message up to this sequence is owed any more (the session was cleared or started afresh).</summary>
    public long RemovedUpTo { get; set; }

    /// <summary>The database no longer holds queued messages up to this sequence.</summary>
    public long PersistedRemovedUpTo { get; set; }

    /// <summary>The session row as last written (null: none known to be written), so a flush writes it only when it changed.</summary>
    public SessionRow? PersistedRow { get; set; }

    /// <summary>Filters subscribed, changed or unsubscribed since they were last written.</summary>
    public HashSet<string> ChangedFilters { get; } = new(StringComparer.Ordinal);

    /// <summary>The stored subscriptions are to be replaced by all of <see cref="Subscriptions"/> (a new session, a failed write).</summary>
    public bool RewriteSubscriptions { get; set; }

    /// <summary>Messages for the session dropped since start because its queue was full.</summary>
    public long Dropped { get; set; }

    /// <summary>Set when the session ended: the flush deletes it from the database.</summary>
    public bool Deleted { get; set; }

    public bool IsExpired(DateTime now) =>
        Connection is null && DisconnectedAt is { } since && since.AddSeconds(ExpirySeconds) <= now;

    /// <summary>The client acknowledged a message it was sent; false when it was not one this record keeps.</summary>
    public bool Acknowledge(string topic, ReadOnlySequence<byte> payload)
    {
        for (var node = InFlight.First; node is not null; node = node.Next)
        {
            var message = node.Value.Message;
            if (string.Equals(message.Topic, topic, StringComparison.Ordinal)
                && message.Payload.Length == payload.Length && message.Payload.Start.Equals(payload.Start))
            {
                Finished.Add(node.Value.Sequence);
                InFlight.Remove(node);
                return true;
            }
        }

        return false;
    }

    /// <summary>MQTTnet dropped a message handed to it (the client's queue was full).</summary>
    public void Forget(MqttApplicationMessage message)
    {
        for (var node = InFlight.Last; node is not null; node = node.Previous)
        {
            if (ReferenceEquals(node.Value.Message, message))
            {
                Finished.Add(node.Value.Sequence);
                InFlight.Remove(node);
                return;
            }
        }
    }

    /// <summary>Drops everything owed (clean start, or the session ended); <paramref name="upTo"/> is the broker's latest sequence.</summary>
    public void ClearQueue(long upTo)
    {
        RemovedUpTo = Math.Max(RemovedUpTo, upTo);
        Queue.Clear();
        InFlight.Clear();
        Finished.Clear();
        Qos2Received.Clear();
    }
}
