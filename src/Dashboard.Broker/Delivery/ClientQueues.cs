using Dashboard.Broker.Metrics;
using Dashboard.Broker.Sessions;
using Dashboard.Broker.Subscriptions;
using Dashboard.Broker.Tracking;
using Dashboard.Broker.Transport;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Internal;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;
using MQTTnet.Server.Internal;
using MQTTnet.Server.Internal.Formatter;

namespace Dashboard.Broker.Delivery;

/// <summary>How a message for a connected client is taken.</summary>
internal enum Admission
{
    /// <summary>MQTTnet queues it.</summary>
    Handed,

    /// <summary>The client's backlog holds it until MQTTnet has room.</summary>
    Held,

    /// <summary>The client's queue is full (<c>Broker:MaxQueuedMessages</c>): dropped, and counted.</summary>
    Full,
}

/// <summary>
/// The queue of each connected client: bounded by <c>Broker:MaxQueuedMessages</c>, and kept mostly out of MQTTnet.
/// MQTTnet records each QoS 1/2 message it queues for a client in a list of unacknowledged packets, and each PUBACK
/// removes its entry by shifting that list: for a subscriber that falls behind the cost grows with its queue, and was a
/// third of the broker's CPU when 8 publishers outran one subscriber (bench/README.md). So MQTTnet is handed at most
/// <see cref="HandedLimit"/> messages per client, queued there or in flight; the rest wait in the client's
/// <see cref="ClientBacklog"/>, in order, and move on as MQTTnet sends them and the client acknowledges them.
/// </summary>
internal sealed class ClientQueues(
    ConnectionRegistry connections,
    BrokerServer broker,
    PersistentSessions sessions,
    PublishTracker tracker,
    SubscriptionIndex index,
    BrokerMetrics metrics,
    IOptions<BrokerOptions> options,
    ILogger<ClientQueues> logger) : IMqttPacketHook
{
    /// <summary>Messages MQTTnet holds for one client at most, queued or in flight; moving on starts at half of it.</summary>
    public const int HandedLimit = 1000;

    private readonly LogLimiter _dropLog = new(TimeSpan.FromSeconds(10));

    /// <summary>Decides for a message MQTTnet is about to queue for a connected client (after the ACL and size checks).</summary>
    public Admission Admit(string receiverClientId, string? senderClientId, MqttApplicationMessage message)
    {
        if (!connections.TryGet(receiverClientId, out var connection))
        {
            return Admission.Handed;
        }

        var backlog = connection.Backlog;
        var held = false;
        lock (backlog)
        {
            // A retained message sent on SUBSCRIBE (no sender) keeps its retain flag, which moving on would not know to set.
            var onSubscribe = message.Retain && string.IsNullOrEmpty(senderClientId);
            if (onSubscribe || (backlog.HeldCount == 0 && backlog.Queued + backlog.InFlight < HandedLimit))
            {
                backlog.Handed();
                return Admission.Handed;
            }

            if (backlog.HeldCount + backlog.Queued >= options.Value.MaxQueuedMessages)
            {
                return Admission.Full;
            }

            if (backlog.Session is null)
            {
                backlog.Handed();
                return Admission.Handed;
            }

            backlog.Hold(new HeldMessage(message, senderClientId));
            held = true;
        }

        // What was handed may all have been sent and acknowledged meanwhile, and then nothing else would move it on.
        MoveOn(connection);
        return held ? Admission.Held : Admission.Handed;
    }

    /// <summary>A message for a connected client was dropped, its queue being full: counted, logged now and then.</summary>
    public void Dropped(string receiverClientId, MqttApplicationMessage message)
    {
        if (connections.TryGet(receiverClientId, out var receiver))
        {
            Interlocked.Increment(ref receiver.Dropped);
        }

        sessions.Dropped(receiverClientId, message);
        tracker.Enqueueing(receiverClientId, message, DeliveryState.Dropped);
        metrics.MessageDropped();
        if (_dropLog.ShouldLog())
        {
            logger.LogWarning("Queue of client {ClientId} is full ({Max} messages): dropping new messages (Broker:MaxQueuedMessages)",
                receiverClientId, options.Value.MaxQueuedMessages);
        }
    }

    /// <summary>MQTTnet dropped a message it was handed: its own queue was full.</summary>
    public void DroppedByMqttnet(string receiverClientId, MqttApplicationMessage message)
    {
        if (connections.TryGet(receiverClientId, out var receiver))
        {
            receiver.Backlog.Unhanded();
        }

        Dropped(receiverClientId, message);
    }

    /// <summary>The session is known from CONNACK on: the channel asks it whether more is queued behind a message it sends.</summary>
    public void Established(ClientConnection connection) =>
        connection.Backlog.Session = broker.FindMqttSession(connection.ClientId);

    public MqttPacket? Received(ClientConnection connection, MqttPacket packet)
    {
        if (packet is MqttPubAckPacket or MqttPubCompPacket || packet is MqttPubRecPacket { ReasonCode: >= MqttPubRecReasonCode.UnspecifiedError })
        {
            connection.Backlog.Acknowledged();
            MoveOn(connection);
        }

        return packet;
    }

    public MqttPacket Sending(ClientConnection connection, MqttPacket packet)
    {
        if (packet is MqttPublishPacket publish)
        {
            connection.Backlog.Sent(publish.QualityOfServiceLevel > MqttQualityOfServiceLevel.AtMostOnce);
            MoveOn(connection);
        }

        return packet;
    }

    /// <summary>
    /// The connection ended. A persistent session MQTTnet keeps gets what was held for it, as it would have had it been
    /// handed at once (QoS 0 only with <c>Broker:QueueQos0Messages</c>); for any other the held messages end with the session.
    /// </summary>
    public void Closed(ClientConnection connection)
    {
        var backlog = connection.Backlog;
        if (backlog.HeldCount == 0)
        {
            return;
        }

        lock (backlog)
        {
            var kept = connection.IsPersistentSession && backlog.Session is { } session
                && ReferenceEquals(broker.FindMqttSession(connection.ClientId), session) ? session : null;
            while (backlog.TryTakeHeld(out var held))
            {
                if (kept is null || !Enqueue(kept, held, queueQos0: options.Value.QueueQos0Messages))
                {
                    sessions.Dropped(connection.ClientId, held.Message);
                }
            }
        }
    }

    /// <summary>Hands held messages to MQTTnet, oldest first, once what it holds for the client is down to half the limit.</summary>
    private void MoveOn(ClientConnection connection)
    {
        var backlog = connection.Backlog;
        if (backlog.HeldCount == 0 || backlog.Queued + backlog.InFlight >= HandedLimit / 2)
        {
            return;
        }

        lock (backlog)
        {
            while (backlog.Queued + backlog.InFlight < HandedLimit && backlog.TryTakeHeld(out var held))
            {
                backlog.Handed();
                if (!Enqueue(backlog.Session!, held, queueQos0: true))
                {
                    // Unsubscribed meanwhile, or MQTTnet's own queue is full.
                    backlog.Unhanded();
                    sessions.Dropped(connection.ClientId, held.Message);
                    tracker.Enqueueing(connection.ClientId, held.Message, DeliveryState.Dropped);
                }
            }
        }
    }

    /// <summary>Queues a held message in MQTTnet's session as the broker's routing would have: the subscription's QoS, retain flag and identifiers.</summary>
    private bool Enqueue(MqttSession session, HeldMessage held, bool queueQos0)
    {
        var message = held.Message;
        if (!index.TryMatch(session, message.Topic, message.QualityOfServiceLevel, held.SenderClientId, out var subscriber)
            || (subscriber.Qos == MqttQualityOfServiceLevel.AtMostOnce && !queueQos0))
        {
            return false;
        }

        return session.EnqueueDataPacket(new MqttPacketBusItem(PacketFor(message, subscriber))) == EnqueueDataPacketResult.Enqueued;
    }

    /// <summary>The PUBLISH for one subscriber: its QoS, retain flag and subscription identifiers.</summary>
    public static MqttPublishPacket PacketFor(MqttApplicationMessage message, Subscriber subscriber)
    {
        var packet = MqttPublishPacketFactory.Create(message);
        packet.QualityOfServiceLevel = subscriber.Qos;
        packet.SubscriptionIdentifiers = subscriber.Identifiers;
        packet.Retain = subscriber.RetainAsPublished && message.Retain;
        return packet;
    }
}
