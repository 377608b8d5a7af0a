using Dashboard.Broker.Admin;
using Dashboard.Broker.Auth;
using Dashboard.Broker.Delivery;
using Dashboard.Broker.Events;
using Dashboard.Broker.Metrics;
using Dashboard.Broker.Persistence;
using Dashboard.Broker.Retained;
using Dashboard.Broker.Sessions;
using Dashboard.Broker.Shared;
using Dashboard.Broker.Status;
using Dashboard.Broker.Subscriptions;
using Dashboard.Broker.Tracking;
using Dashboard.Broker.Transport;
using Dashboard.Broker.Wills;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace Dashboard.Broker;

/// <summary>
/// Starts MQTTnet before Kestrel accepts connections: loads retained messages and persistent sessions from
/// the database, wires the broker's hooks into MQTTnet's events, and stops it gracefully (MQTT 5 clients get
/// DISCONNECT "server shutting down").
/// </summary>
internal sealed partial class BrokerHost(
    BrokerServer broker,
    MqttTransportHandler transport,
    PersistentSessions sessions,
    SharedSubscriptions shared,
    WillService wills,
    RetainedStore retained,
    WriteAhead writeAhead,
    ConnectionRegistry connections,
    ClientPacketSizeLimits packetSizes,
    BrokerUserStore users,
    CredentialCheck credentials,
    ClientIdentities identities,
    BrokerAuthorizer acl,
    PublishRules rules,
    BrokerEventChannel events,
    BrokerAuditFeed audit,
    BrokerBans bans,
    PublishTracker tracker,
    ClientQueues queues,
    Redelivery redelivery,
    SubscriptionIndex index,
    BrokerMetrics metrics,
    TimeProvider clock,
    IServiceScopeFactory scopes,
    IOptions<BrokerOptions> options,
    BrokerListeners listeners,
    ConnectionLimit connectionLimit,
    ILoggerFactory loggerFactory,
    IHostApplicationLifetime lifetime,
    ILogger<BrokerHost> logger) : IHostedService
{
    private readonly LogLimiter _topicLog = new(TimeSpan.FromSeconds(10));
    private readonly LogLimiter _subscriptionLimitLog = new(TimeSpan.FromSeconds(10));
    private readonly LogLimiter _rateLog = new(TimeSpan.FromSeconds(10));
    private readonly LogLimiter _willLog = new(TimeSpan.FromSeconds(10));
    private readonly LogLimiter _takeoverLog = new(TimeSpan.FromSeconds(10));
    private volatile bool _restoringSessions; // stored sessions are being replayed into MQTTnet (start only)
    private MqttServer? _server;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        List<MqttApplicationMessage> retainedMessages;
        List<SessionRecord> storedSessions;
        using (var scope = scopes.CreateScope())
        {
            var db = BrokerDatabase.Get(scope.ServiceProvider);
            retainedMessages = await retained.LoadAsync(db, clock.GetUtcNow().UtcDateTime, cancellationToken);
            storedSessions = await SessionStore.LoadAsync(db, clock.GetUtcNow().UtcDateTime, cancellationToken);
            await users.LoadAsync(db, cancellationToken);
            await bans.LoadAsync(db, cancellationToken);
        }

        var server = new MqttServer(BuildServerOptions(), [transport], new MqttNetLogger(loggerFactory));
        server.LoadingRetainedMessageAsync += e =>
        {
            e.LoadedRetainedMessages = retainedMessages;
            return Task.CompletedTask;
        };
        server.ValidatingConnectionAsync += OnValidatingConnectionAsync;
        server.InterceptingPublishAsync += OnInterceptingPublish;
        server.InterceptingClientEnqueueAsync += OnInterceptingEnqueue;
        server.InterceptingSubscriptionAsync += OnInterceptingSubscription;
        IndexSubscriptions(server);
        server.ApplicationMessageEnqueuedOrDroppedAsync += OnEnqueuedOrDropped;
        server.ClientAcknowledgedPublishPacketAsync += e =>
        {
            sessions.Acknowledged(e.ClientId, e.PublishPacket);
            tracker.Acknowledged(e.ClientId, e.PublishPacket);
            return Task.CompletedTask;
        };
        sessions.SessionEnded += shared.RemoveClient;
        sessions.SessionEnded += identities.SessionEnded;

        await server.StartAsync();
        broker.Attach(server);
        _server = server;

        await RestoreSessionsAsync(storedSessions);
        var first = options.Value.ReplayFirstTopicPrefixes;
        foreach (var message in retainedMessages.OrderBy(m => first.Any(p => m.Topic.StartsWith(p, StringComparison.Ordinal)) ? 0 : 1))
        {
            events.Publish(BrokerEvent.Published(message, clientId: null, clock.GetUtcNow(), restored: true));
        }

        // Kestrel starts its listeners after the hosted services: "listening" is true only once the host has started.
        lifetime.ApplicationStarted.Register(() => LogStarted(retainedMessages.Count, storedSessions.Count));
    }

    private void LogStarted(int retainedCount, int sessionCount)
    {
        logger.LogInformation("Broker started: {Retained} retained messages and {Sessions} persistent sessions restored; listening on {Listeners}; " +
            "at most {MaxConnections} connections (open-file limit {OpenFiles})",
            retainedCount, sessionCount, string.Join(", ", listeners.Open.Select(l => l.Url)),
            connectionLimit.Max, connectionLimit.OpenFiles?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown");
        if (connectionLimit.Lowered)
        {
            logger.LogWarning("Broker:MaxConnections {Configured} is more than the open-file limit ({OpenFiles}) allows: at most {Max} " +
                "connections. Raise the limit (ulimit -n, LimitNOFILE=, docker --ulimit nofile=) to hold more.",
                options.Value.MaxConnections, connectionLimit.OpenFiles, connectionLimit.Max);
        }
        if (options.Value.AllowAnonymous)
        {
            logger.LogWarning("Anonymous MQTT clients are allowed (Broker:AllowAnonymous is true): anyone who reaches these ports may " +
                "publish and subscribe. Add broker users, then set Broker__AllowAnonymous=false.");
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            await _server.StopAsync(new MqttServerStopOptions());
            _server.Dispose();
        }
    }

    private MqttServerOptions BuildServerOptions()
    {
        var settings = options.Value;
        return new MqttServerOptionsBuilder()
            .WithoutDefaultEndpoint()
            .WithPersistentSessions()
            .WithMaxPendingMessagesPerClient(settings.MaxQueuedMessages)
            .WithPendingMessagesOverflowStrategy(MqttPendingMessagesOverflowStrategy.DropNewMessage)
            .WithDefaultCommunicationTimeout(settings.ConnectTimeout)
            .Build();
    }

    private async Task RestoreSessionsAsync(List<SessionRecord> records)
    {
        sessions.Restore(records);
        _restoringSessions = true; // a stored session keeps every filter it had, whatever Broker:MaxSubscriptionsPerClient says now
        try
        {
            foreach (var record in records)
            {
                identities.Restore(record.ClientId, record.UserName);
                await transport.ReplayAsync(new SessionReplayChannel(record));
                foreach (var (filter, subscription) in record.Subscriptions)
                {
                    shared.Restore(record.ClientId, filter, subscription.Qos, subscription.Identifier);
                }
            }
        }
        finally
        {
            _restoringSessions = false;
        }
    }

    private Task OnInterceptingPublish(InterceptingPublishEventArgs e)
    {
        if (!e.ProcessPublish)
        {
            return Task.CompletedTask;
        }

        var message = e.ApplicationMessage;
        var fromClient = !ReferenceEquals(e.SessionItems, _server?.ServerSessionItems);
        if (fromClient && !MqttTopic.IsValidTopicName(message.Topic))
        {
            // A wildcard in a PUBLISH topic is a protocol error: the client is disconnected, as Mosquitto does.
            e.ProcessPublish = false;
            e.CloseConnection = true;
            return Task.CompletedTask;
        }

        if (fromClient && !rules.WithinTopicLimits(message.Topic))
        {
            // Too long or too deep: refused like a malformed topic, so no subscriber or retained store ever holds it.
            RefuseTopic(e.ClientId, message.Topic);
            e.ProcessPublish = false;
            e.CloseConnection = true;
            return Task.CompletedTask;
        }

        if (fromClient && options.Value.MaxPublishRatePerClient > 0 && !PublishRate.For(e.SessionItems).TryTake(options.Value.MaxPublishRatePerClient))
        {
            // Dropped, not disconnected: a bursty client keeps its session and will, and does not come back in a reconnect storm.
            metrics.PublishRateLimited();
            if (_rateLog.ShouldLog())
            {
                logger.LogWarning("Client {ClientId} publishes faster than {Max} messages/s: dropping messages (Broker:MaxPublishRatePerClient)",
                    e.ClientId, options.Value.MaxPublishRatePerClient);
            }

            e.ProcessPublish = false;
            e.Response.ReasonCode = MqttPubAckReasonCode.QuotaExceeded;
            e.Response.ReasonString = $"Dropped: more than {options.Value.MaxPublishRatePerClient} messages/s from this client";
            return Task.CompletedTask;
        }

        var isSys = message.Topic.StartsWith("$SYS/", StringComparison.Ordinal);
        if (fromClient && rules.IsReserved(message.Topic, e.ClientId))
        {
            // $SYS/…, $share/…, any other $ topic, and the host's own prefixes (Broker:ReservedTopicPrefixes).
            e.ProcessPublish = false;
            e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            e.Response.ReasonString = "Not authorized: only the broker publishes to this topic";
            Denied(BrokerAuditKind.PublishDenied, e.ClientId, e.UserName, message.Topic, 0x87, null, "a topic only the broker publishes to");
            return Task.CompletedTask;
        }

        if (fromClient && !acl.Unrestricted && !acl.CanPublish(e.ClientId, message.Topic))
        {
            // Dropped; MQTT 5 clients are told in PUBACK/PUBREC (0x87), 3.1.1 ones cannot be.
            e.ProcessPublish = false;
            e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            e.Response.ReasonString = "Not authorized: the ACL does not allow this client to publish to this topic";
            Denied(BrokerAuditKind.PublishDenied, e.ClientId, e.UserName, message.Topic, 0x87, null, "the ACL does not allow publishing here");
            return Task.CompletedTask;
        }

        var stored = false;
        if (message.Retain)
        {
            stored = retained.Track(message);
        }

        var matched = shared.Deliver(message, out var storedForGroup);
        stored |= storedForGroup;
        if (stored)
        {
            MustStoreBeforeAcknowledging(e.ClientId);
        }

        if (!isSys)
        {
            // A publish with no client is the host's own (IBrokerPublisher): its user name says who asked for it.
            var publisher = string.IsNullOrEmpty(e.ClientId) ? e.UserName : null;
            events.Publish(BrokerEvent.Published(message, e.ClientId, clock.GetUtcNow(), publisher: publisher) with { Client = wills.SenderOf(message) });
        }

        return RouteAsync(e, matched);
    }

    private Task OnInterceptingEnqueue(InterceptingClientApplicationMessageEnqueueEventArgs e)
    {
        // MQTTnet asks only for what it still routes itself: retained messages sent on SUBSCRIBE.
        var message = e.ApplicationMessage;
        e.AcceptEnqueue = broker.FindMqttSession(e.ReceiverClientId) is { } session
            && index.TryMatch(session, message.Topic, message.QualityOfServiceLevel, e.SenderClientId, out var subscriber)
            && Admit(e.SenderClientId, message, subscriber) == Taken.ByMqttnet;
        return Task.CompletedTask;
    }

    /// <summary>The publisher's PUBACK/PUBREC for what it just published waits until this change has been committed.</summary>
    private void MustStoreBeforeAcknowledging(string? publisherClientId)
    {
        var mark = writeAhead.Note();
        if (mark > 0 && publisherClientId is not null && connections.TryGet(publisherClientId, out var publisher))
        {
            publisher.WriteAheadMark = mark;
        }
    }

    /// <summary>MQTTnet dropped a message for a connected client: its queue was full (Broker:MaxQueuedMessages).</summary>
    private Task OnEnqueuedOrDropped(ApplicationMessageEnqueuedEventArgs e)
    {
        if (e.IsDropped)
        {
            queues.DroppedByMqttnet(e.ReceiverClientId, e.ApplicationMessage);
        }

        return Task.CompletedTask;
    }

}
