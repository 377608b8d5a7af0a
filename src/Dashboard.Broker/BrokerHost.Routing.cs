using Dashboard.Broker.Delivery;
using Dashboard.Broker.Sessions;
using Dashboard.Broker.Subscriptions;
using Dashboard.Broker.Tracking;
using MQTTnet;
using MQTTnet.Internal;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;
using MQTTnet.Server.Internal;

namespace Dashboard.Broker;

/// <summary>
/// Routes each publish to its subscribers in place of MQTTnet's dispatch, which asks every subscribed session about every
/// message: the subscribed sessions are found through <see cref="SubscriptionIndex"/>, and the message is queued in each
/// one's MQTTnet session, which sends it.
/// </summary>
internal sealed partial class BrokerHost
{
    [ThreadStatic]
    private static List<Subscriber>? _subscribersOfThread;

    private readonly LogLimiter _routeLog = new(TimeSpan.FromSeconds(10));

    /// <summary>How a subscriber takes a message.</summary>
    private enum Taken
    {
        /// <summary>Not for this client: the ACL, or its Maximum Packet Size.</summary>
        Refused,

        /// <summary>MQTTnet queues it for the connection.</summary>
        ByMqttnet,

        /// <summary>The broker holds it (an offline persistent session, the client's backlog), or dropped it, counted (a full queue).</summary>
        ByBroker,
    }

    /// <summary>The index follows MQTTnet's sessions: what each subscribes and unsubscribes, and the sessions that end.</summary>
    private void IndexSubscriptions(MqttServer server)
    {
        server.ClientSubscribedTopicAsync += async e =>
        {
            // The session that subscribed, unless a clean start replaced it meanwhile.
            if (broker.FindMqttSession(e.ClientId) is { } session && ReferenceEquals(session.Items, e.SessionItems))
            {
                var isNew = !index.Holds(session, e.TopicFilter.Topic);
                if (index.Add(session, e.TopicFilter.Topic) is { } granted)
                {
                    sessions.Subscribed(e.ClientId, e.TopicFilter.Topic, StoredSubscription.Of(granted));
                }

                await SendRetainedMqttnetMissesAsync(session, e.TopicFilter, isNew);
            }
        };
        server.ClientUnsubscribedTopicAsync += e =>
        {
            index.Remove(e.ClientId, e.TopicFilter, e.SessionItems);
            return Task.CompletedTask;
        };
        server.SessionDeletedAsync += e =>
        {
            index.RemoveSession(e.Id, e.SessionItems);
            return Task.CompletedTask;
        };
        server.ClientConnectedAsync += e =>
        {
            // A clean start replaces the session without deleting it.
            index.RemoveAllBut(e.ClientId, broker.FindMqttSession(e.ClientId));
            return Task.CompletedTask;
        };
    }

    /// <summary>
    /// MQTTnet sends the retained messages that match a new subscription itself, but by its own topic comparison, which
    /// misses two of §4.7's matches with '+' ("home/+/#" for "home/kitchen", "sport/+/x" for "sport//x"): those are
    /// sent here, as MQTTnet sends the others (retain flag set, the subscription's QoS, after the same checks).
    /// </summary>
    private async Task SendRetainedMqttnetMissesAsync(MqttSession session, MqttTopicFilter filter, bool isNew)
    {
        if (!filter.Topic.Contains('+') || filter.RetainHandling == MqttRetainHandling.DoNotSendOnSubscribe
            || (filter.RetainHandling == MqttRetainHandling.SendAtSubscribeIfNewSubscriptionOnly && !isNew))
        {
            return;
        }

        foreach (var message in await _server!.GetRetainedMessagesAsync())
        {
            if (MqttTopic.Matches(filter.Topic, message.Topic)
                && MqttTopicFilterComparer.Compare(message.Topic, filter.Topic) != MqttTopicFilterCompareResult.IsMatch
                && index.TryMatch(session, message.Topic, message.QualityOfServiceLevel, senderId: null, out var subscriber)
                && Admit(senderId: null, message, subscriber) == Taken.ByMqttnet)
            {
                var packet = ClientQueues.PacketFor(message, subscriber);
                packet.Retain = true;
                session.EnqueueDataPacket(new MqttPacketBusItem(packet));
            }
        }
    }

    /// <summary>
    /// Takes the publish from MQTTnet's dispatch: updates the retained message, queues it for each subscribed session, and
    /// tells an MQTT 5 publisher when nobody was subscribed (0x10), shared subscriptions included.
    /// </summary>
    private Task RouteAsync(InterceptingPublishEventArgs e, bool matched)
    {
        e.ProcessPublish = false;
        var retained = e.ApplicationMessage.Retain ? _server!.UpdateRetainedMessageAsync(e.ApplicationMessage) : Task.CompletedTask;
        matched |= Route(e.ClientId, e.ApplicationMessage) > 0;
        if (!matched && e.Response.ReasonCode == MqttPubAckReasonCode.Success)
        {
            e.Response.ReasonCode = MqttPubAckReasonCode.NoMatchingSubscribers;
        }

        return retained;
    }

    /// <summary>Queues the message for each session subscribed to its topic; returns how many were.</summary>
    private int Route(string senderId, MqttApplicationMessage message)
    {
        var subscribers = _subscribersOfThread ??= [];
        try
        {
            index.Match(message.Topic, message.QualityOfServiceLevel, senderId, subscribers);
            var taking = 0;
            foreach (var subscriber in subscribers)
            {
                try
                {
                    taking += Deliver(senderId, message, subscriber) ? 1 : 0;
                }
                catch (Exception ex)
                {
                    // One subscriber's failure is not the publisher's: the others still get the message (as in MQTTnet's dispatch).
                    if (_routeLog.ShouldLog())
                    {
                        logger.LogError(ex, "Could not deliver a message on {Topic} to client {ClientId}", message.Topic, subscriber.Session.Id);
                    }
                }
            }

            return taking;
        }
        finally
        {
            subscribers.Clear();
        }
    }

    /// <summary>Queues the message for one subscribed session, unless refused; false when refused.</summary>
    private bool Deliver(string senderId, MqttApplicationMessage message, Subscriber subscriber)
    {
        var session = subscriber.Session;
        var taken = Admit(senderId, message, subscriber);
        if (taken == Taken.ByMqttnet
            && session.EnqueueDataPacket(new MqttPacketBusItem(ClientQueues.PacketFor(message, subscriber))) == EnqueueDataPacketResult.Dropped)
        {
            queues.DroppedByMqttnet(session.Id, message);
        }

        return taken != Taken.Refused;
    }

    /// <summary>
    /// Decides for a message on its way to a subscribed session. Every delivery, retained ones on subscribe included: a deny
    /// entry narrows a wider subscription, and an ACL changed after subscribing applies at once.
    /// </summary>
    private Taken Admit(string? senderId, MqttApplicationMessage message, Subscriber subscriber)
    {
        var receiverId = subscriber.Session.Id;
        if ((!acl.Unrestricted && !acl.CanRead(receiverId, message.Topic)) || packetSizes.Refuses(receiverId, message, subscriber.Qos, subscriber.Identifiers))
        {
            tracker.Enqueueing(receiverId, message, DeliveryState.Refused);
            return Taken.Refused;
        }

        var taken = Taken.ByBroker;
        var state = DeliveryState.Pending;
        if (sessions.TryTake(receiverId, message, subscriber.Qos, subscriber.RetainAsPublished, out var stored))
        {
            state = stored ? DeliveryState.Queued : DeliveryState.Dropped;
        }
        else
        {
            switch (queues.Admit(receiverId, senderId, message))
            {
                case Admission.Handed:
                    taken = Taken.ByMqttnet;
                    break;
                case Admission.Full:
                    queues.Dropped(receiverId, message);
                    return Taken.ByBroker;
            }
        }

        tracker.Enqueueing(receiverId, message, state);
        if (stored)
        {
            MustStoreBeforeAcknowledging(senderId);
        }

        return taken;
    }
}
