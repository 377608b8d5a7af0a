using Dashboard.Broker.Shared;
using Dashboard.Broker.Transport;
using MQTTnet;
using MQTTnet.Protocol;

namespace Dashboard.Broker.Sessions;

/// <summary>How a persistent session subscribed to one filter.</summary>
internal readonly record struct StoredSubscription(
    MqttQualityOfServiceLevel Qos, bool NoLocal, bool RetainAsPublished, MqttRetainHandling RetainHandling, uint Identifier);

/// <summary>A message waiting for an offline session; <see cref="Sequence"/> orders it and keys its database row.</summary>
internal sealed record QueuedMessage(long Sequence, MqttApplicationMessage Message, DateTime QueuedAt);

/// <summary>
/// The broker's record of one persistent session: its subscriptions and, while no client is connected to it,
/// the messages it is owed. Lock the record to read or change it.
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
    public Queue<QueuedMessage> Queue { get; } = new();

    /// <summary>Highest queue sequence written to the database.</summary>
    public long PersistedUpTo { get; set; }

    /// <summary>Every queued message up to this sequence has been delivered or discarded.</summary>
    public long RemovedUpTo { get; set; }

    /// <summary>The database no longer holds queued messages up to this sequence.</summary>
    public long PersistedRemovedUpTo { get; set; }

    /// <summary>Subscriptions changed since they were last written.</summary>
    public bool SubscriptionsChanged { get; set; }

    /// <summary>Set when the session ended: the flush deletes it from the database.</summary>
    public bool Deleted { get; set; }

    public bool IsExpired(DateTime now) =>
        Connection is null && DisconnectedAt is { } since && since.AddSeconds(ExpirySeconds) <= now;

    /// <summary>The QoS and retain flag a message on <paramref name="topic"/> is delivered with, or null when no subscription matches.</summary>
    public (MqttQualityOfServiceLevel Qos, bool RetainAsPublished)? Match(string topic, MqttQualityOfServiceLevel published)
    {
        var best = -1;
        var retainAsPublished = false;
        foreach (var (filter, subscription) in Subscriptions)
        {
            if (!filter.StartsWith(SharedSubscriptions.Prefix, StringComparison.Ordinal)
                && MqttTopicFilterComparer.Compare(topic, filter) == MqttTopicFilterCompareResult.IsMatch)
            {
                best = Math.Max(best, (int)subscription.Qos);
                retainAsPublished |= subscription.RetainAsPublished;
            }
        }

        return best < 0 ? null : ((MqttQualityOfServiceLevel)Math.Min(best, (int)published), retainAsPublished);
    }

    /// <summary>Drops every queued message (clean start, or the session ended).</summary>
    public void ClearQueue()
    {
        if (Queue.Count > 0)
        {
            RemovedUpTo = Math.Max(RemovedUpTo, Queue.Max(q => q.Sequence));
            Queue.Clear();
        }
    }
}
