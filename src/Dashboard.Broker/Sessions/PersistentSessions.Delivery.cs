using Dashboard.Broker.Auth;
using Dashboard.Broker.Metrics;
using Dashboard.Broker.Persistence;
using Dashboard.Broker.Shared;
using Dashboard.Broker.Transport;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace Dashboard.Broker.Sessions;

/// <summary>What a persistent session is owed: queued while offline, in flight while connected, until acknowledged.</summary>
internal sealed partial class PersistentSessions
{
    /// <summary>
    /// Called before MQTTnet queues a message for a subscribed session, at the QoS and retain flag its subscriptions give.
    /// A message for an offline persistent session goes into the broker's own bounded queue instead (returns true: MQTTnet
    /// should not queue it); one for a connected persistent session is kept as in flight until the client acknowledges it.
    /// <paramref name="stored"/> tells whether the session now owes it, so its publisher's acknowledgement waits for the write.
    /// </summary>
    public bool TryTake(string receiverClientId, MqttApplicationMessage message, MqttQualityOfServiceLevel qos, bool retainAsPublished, out bool stored)
    {
        stored = false;
        if (!_sessions.TryGetValue(receiverClientId, out var record))
        {
            return false;
        }

        lock (record)
        {
            var retain = retainAsPublished && message.Retain;
            if (record.Connection is null)
            {
                stored = Enqueue(record, message.CopyFor(qos, retain), qos, retain);
                return true;
            }

            stored = HandOver(record, message, qos, retain);
            return false;
        }
    }

    /// <summary>A message a shared subscription hands to a connected member: kept until acknowledged when its session persists.</summary>
    public bool TrackInFlight(string clientId, MqttApplicationMessage message)
    {
        if (!_sessions.TryGetValue(clientId, out var record))
        {
            return false;
        }

        lock (record)
        {
            return record.Connection is not null && HandOver(record, message, message.QualityOfServiceLevel, message.Retain);
        }
    }

    /// <summary>The client acknowledged a message (PUBACK, or PUBCOMP for QoS 2): its session no longer owes it.</summary>
    public void Acknowledged(string clientId, MqttPublishPacket publish)
    {
        if (_sessions.TryGetValue(clientId, out var record))
        {
            bool found;
            lock (record)
            {
                found = record.Acknowledge(publish.Topic, publish.Payload);
            }

            if (found)
            {
                MarkChanged(record);
            }
        }
    }

    /// <summary>MQTTnet dropped a message for a connected client (its queue was full).</summary>
    public void Dropped(string clientId, MqttApplicationMessage message)
    {
        if (_sessions.TryGetValue(clientId, out var record))
        {
            lock (record)
            {
                record.Forget(message);
            }

            MarkChanged(record);
        }
    }

    /// <summary>Queues a message for an offline session chosen by a shared subscription; true when it was queued.</summary>
    public bool EnqueueOffline(SessionRecord record, MqttApplicationMessage message, MqttQualityOfServiceLevel qos, List<uint>? identifiers)
    {
        lock (record)
        {
            return Enqueue(record, message.CopyFor(qos, retain: false, identifiers), qos, retain: false);
        }
    }

    private bool Enqueue(SessionRecord record, MqttApplicationMessage message, MqttQualityOfServiceLevel qos, bool retain)
    {
        if (qos == MqttQualityOfServiceLevel.AtMostOnce && !options.Value.QueueQos0Messages)
        {
            return false;
        }

        if (record.Queue.Count + record.InFlight.Count >= options.Value.MaxQueuedMessages)
        {
            record.Dropped++;
            metrics.MessageDropped();
            if (_dropLog.ShouldLog())
            {
                logger.LogWarning("Queue of offline client {ClientId} is full ({Max} messages): dropping new messages (Broker:MaxQueuedMessages)",
                    record.ClientId, options.Value.MaxQueuedMessages);
            }

            return false;
        }

        record.Queue.Enqueue(new QueuedMessage(Interlocked.Increment(ref _sequence), message, clock.GetUtcNow().UtcDateTime, qos, retain));
        MarkChanged(record);
        return true;
    }

    /// <summary>Keeps a QoS 1/2 message MQTTnet is about to queue for a connected session until the client acknowledges it.</summary>
    private bool HandOver(SessionRecord record, MqttApplicationMessage message, MqttQualityOfServiceLevel qos, bool retain)
    {
        if (qos == MqttQualityOfServiceLevel.AtMostOnce)
        {
            return false;
        }

        record.InFlight.AddLast(new QueuedMessage(Interlocked.Increment(ref _sequence), message, clock.GetUtcNow().UtcDateTime, qos, retain));
        MarkChanged(record);
        return true;
    }

    private static bool AddQos2(SessionRecord record, ushort packetIdentifier)
    {
        lock (record)
        {
            return record.Qos2Received.Add(packetIdentifier);
        }
    }

    /// <summary>
    /// Moves an offline queue into the client's MQTTnet session, in order; what it still owes stays in the database as in
    /// flight until acknowledged. Expired messages are discarded, and so are those the user's ACL no longer lets it read
    /// (it may have changed while the client was away). Each carries the identifiers of the subscriptions it matches,
    /// which the session keeps (and a restart restores), so the queue need not store them.
    /// </summary>
    private void DrainInto(SessionRecord record, ClientConnection connection)
    {
        if (record.Queue.Count == 0)
        {
            return;
        }

        var session = broker.FindSession(record.ClientId);
        var subscriptions = broker.FindMqttSession(record.ClientId);
        var now = clock.GetUtcNow().UtcDateTime;
        List<(string Filter, uint Identifier)>? shared = null;
        while (record.Queue.TryDequeue(out var queued))
        {
            var message = queued.Message;
            if (subscriptions is not null && index.TryMatch(subscriptions, message.Topic, queued.Qos, senderId: null, out var subscriber))
            {
                message.SubscriptionIdentifiers = subscriber.Identifiers; // [MQTT-3.3.4-3], as if it were delivered now
            }
            else if (message.SubscriptionIdentifiers is null)
            {
                // Owed through a $share/ subscription (which MQTTnet's index never holds) and read back from the database.
                shared ??= SharedIdentifiers(record);
                message.SubscriptionIdentifiers = shared.Where(s => MqttTopic.Matches(s.Filter, message.Topic)).Select(s => s.Identifier).ToList() is { Count: > 0 } ids ? ids : null;
            }

            var deliver = acl.Unrestricted || acl.CanRead(record.UserName, record.ClientId, message.Topic);
            if (deliver && message.MessageExpiryInterval > 0)
            {
                var left = message.MessageExpiryInterval - (now - queued.QueuedAt).TotalSeconds;
                deliver = left > 0;
                message.MessageExpiryInterval = deliver ? (uint)Math.Ceiling(left) : 0;
            }

            if (!deliver || packetSizes.Refuses(connection, message, queued.Qos, message.SubscriptionIdentifiers))
            {
                record.Finished.Add(queued.Sequence);
                continue;
            }

            if (queued.Qos != MqttQualityOfServiceLevel.AtMostOnce)
            {
                record.InFlight.AddLast(queued); // before MQTTnet can send it, so an acknowledgement always finds it
            }
            else
            {
                record.Finished.Add(queued.Sequence);
            }

            if (session is null || !session.TryEnqueueApplicationMessage(message, out _))
            {
                metrics.MessageDropped();
                record.Forget(message);
            }
        }
    }

    private static List<(string Filter, uint Identifier)> SharedIdentifiers(SessionRecord record)
    {
        var shared = new List<(string, uint)>();
        foreach (var (topicFilter, subscription) in record.Subscriptions)
        {
            if (subscription.Identifier > 0 && SharedSubscriptions.TryParse(topicFilter, out _, out var filter))
            {
                shared.Add((filter, subscription.Identifier));
            }
        }

        return shared;
    }
}
