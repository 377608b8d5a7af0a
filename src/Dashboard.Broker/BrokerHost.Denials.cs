using System.Text;
using Dashboard.Broker.Admin;
using Dashboard.Broker.Subscriptions;
using Dashboard.Broker.Transport;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace Dashboard.Broker;

/// <summary>SUBSCRIBE judged by the ACL and the reserved topics, and every denial told to the audit feed.</summary>
internal sealed partial class BrokerHost
{
    private Task OnInterceptingSubscription(InterceptingSubscriptionEventArgs e)
    {
        var filter = e.TopicFilter.Topic;
        if (!MqttTopic.IsValidFilter(filter))
        {
            e.Response.ReasonCode = MqttSubscribeReasonCode.TopicFilterInvalid;
        }
        else if (!rules.WithinTopicLimits(filter))
        {
            RefuseTopic(e.ClientId, filter);
            e.Response.ReasonCode = MqttSubscribeReasonCode.TopicFilterInvalid;
        }
        else if (!acl.CanSubscribe(e.ClientId, e.TopicFilter.Topic))
        {
            // SUBACK 0x80 for 3.1.1, 0x87 for MQTT 5; refused subscriptions get no retained messages either.
            e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            e.ReasonString = "Not authorized: the ACL does not allow this client to subscribe to this filter";
            e.ProcessSubscription = false;
            Denied(BrokerAuditKind.SubscribeDenied, e.ClientId, e.UserName, filter, 0x87, 0x80, "the ACL does not allow subscribing to this filter");
        }
        else if (options.Value.MaxSubscriptionsPerClient is > 0 and var max && !_restoringSessions
            && SubscriptionIndex.FiltersHeld(BrokerServer.MqttSessionOf(e.Session), filter, out var renewing) >= max && !renewing)
        {
            metrics.SubscriptionRefused();
            e.Response.ReasonCode = MqttSubscribeReasonCode.QuotaExceeded;
            e.ReasonString = $"Quota exceeded: this client already holds {max} subscriptions (Broker:MaxSubscriptionsPerClient)";
            e.ProcessSubscription = false;
            if (_subscriptionLimitLog.ShouldLog())
            {
                logger.LogWarning("Client {ClientId}: SUBSCRIBE to a new filter refused, it holds {Max} (Broker:MaxSubscriptionsPerClient)", e.ClientId, max);
            }

            Denied(BrokerAuditKind.SubscribeDenied, e.ClientId, e.UserName, filter, 0x97, 0x80, $"the client holds {max} subscriptions (Broker:MaxSubscriptionsPerClient)");
        }

        return Task.CompletedTask;
    }

    private void RefuseTopic(string clientId, string topic)
    {
        metrics.TopicRefused();
        if (_topicLog.ShouldLog())
        {
            logger.LogWarning("Client {ClientId}: topic of {Length} bytes and {Levels} levels refused (Broker:MaxTopicLength {MaxLength}, MaxTopicLevels {MaxLevels})",
                clientId, System.Text.Encoding.UTF8.GetByteCount(topic), topic.AsSpan().Count('/') + 1, options.Value.MaxTopicLength, options.Value.MaxTopicLevels);
        }
    }

    private void Denied(BrokerAuditKind kind, string clientId, string? userName, string topic, int mqtt5Code, int? mqtt3Code, string why)
    {
        connections.TryGet(clientId, out var connection);
        var code = connection?.ProtocolVersion == MqttProtocolVersion.V500 ? mqtt5Code : mqtt3Code;
        audit.Denied(kind, clientId, userName ?? connection?.UserName, connection?.RemoteEndPoint, topic, code, why, clock.GetUtcNow());
    }
}
