using System.Reflection;
using System.Text;
using Dashboard.Broker.Events;
using Dashboard.Broker.Metrics;
using Dashboard.Broker.Sessions;
using Dashboard.Broker.Shared;
using Dashboard.Broker.Subscriptions;
using Microsoft.Extensions.Options;
using MQTTnet;

namespace Dashboard.Broker.Status;

/// <summary>Samples the broker once a second for the Overview, and refreshes the $SYS/broker topics every <see cref="BrokerOptions.SysInterval"/>.</summary>
internal sealed class BrokerStatusSampler(
    BrokerServer broker,
    BrokerMetrics metrics,
    PersistentSessions sessions,
    BrokerEventChannel events,
    BrokerStatusFeed feed,
    BrokerListeners listeners,
    SubscriptionIndex subscriptions,
    SharedSubscriptions shared,
    IOptions<BrokerOptions> options,
    TimeProvider clock,
    ILogger<BrokerStatusSampler> logger) : BackgroundService
{
    private readonly Dictionary<string, SysLoad> _loads = [];
    private DateTimeOffset? _lastSys;
    private long _maxClients;

    private static readonly string Version =
        typeof(BrokerStatusSampler).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "dev";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var previous = (Time: clock.GetUtcNow(), In: metrics.MessagesReceived, Out: metrics.MessagesSent);
        var nextSys = previous.Time;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (!broker.IsRunning)
                {
                    continue;
                }

                var now = clock.GetUtcNow();
                var (received, sent) = (metrics.MessagesReceived, metrics.MessagesSent);
                var seconds = Math.Max(0.001, (now - previous.Time).TotalSeconds);
                var status = new BrokerStatus(
                    now,
                    now - broker.StartedAt,
                    listeners.Open,
                    (int)metrics.ConnectedClients,
                    (received - previous.In) / seconds,
                    (sent - previous.Out) / seconds,
                    received,
                    sent,
                    (await broker.Server.GetRetainedMessagesAsync()).Count(m => !m.Topic.StartsWith("$SYS/", StringComparison.Ordinal)),
                    sessions.Count,
                    sessions.OfflineCount,
                    events.Read,
                    events.Count,
                    metrics.IngestionDropped,
                    metrics.MessagesDropped,
                    metrics.PacketsTooLarge,
                    metrics.ConnectionsRefused,
                    metrics.TopicsRefused,
                    metrics.PublishRateExceeded,
                    metrics.PendingConnectionsRefused,
                    metrics.LoginsThrottled,
                    metrics.LoginsFailed,
                    metrics.WillsRefused,
                    metrics.PacketsMalformed,
                    metrics.SubscriptionsRefused);
                previous = (now, received, sent);
                feed.Publish(status);

                if (options.Value.SysInterval > TimeSpan.Zero && now >= nextSys)
                {
                    nextSys = now + options.Value.SysInterval;
                    await PublishSysTopicsAsync(status);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private SysLoad LoadOf(string topic) => _loads.TryGetValue(topic, out var load) ? load : _loads[topic] = new SysLoad(topic);

    /// <summary>
    /// The $SYS/broker topics Mosquitto users look for (Mosquitto 2.0's names and formats, so its monitoring recipes work
    /// unchanged), as retained messages. Messages are PUBLISH packets: <c>messages/…</c> and <c>publish/messages/…</c> agree.
    /// </summary>
    private async Task PublishSysTopicsAsync(BrokerStatus status)
    {
        static string Text(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var (sockets, connections) = metrics.OpenedSinceStart;
        var total = status.ConnectedClients + status.OfflineSessions;
        _maxClients = Math.Max(_maxClients, total);
        var seconds = _lastSys is { } last ? (status.Time - last).TotalSeconds : 0;
        _lastSys = status.Time;
        (string Topic, long Counter)[] loads =
        [
            ("messages/received", status.MessagesReceived), ("messages/sent", status.MessagesSent),
            ("publish/received", status.MessagesReceived), ("publish/sent", status.MessagesSent), ("publish/dropped", status.MessagesDropped),
            ("bytes/received", metrics.TotalBytesReceived), ("bytes/sent", metrics.TotalBytesSent), ("sockets", sockets), ("connections", connections),
        ];
        var stored = status.RetainedMessages + sessions.StoredMessageCount();
        (string Topic, string Value)[] values =
        [
            ("version", $"Dashboard {Version} (MQTTnet)"),
            ("uptime", $"{(long)status.Uptime.TotalSeconds} seconds"),
            ("clients/connected", Text(status.ConnectedClients)),
            ("clients/active", Text(status.ConnectedClients)), // Mosquitto's older name
            ("clients/disconnected", Text(status.OfflineSessions)),
            ("clients/inactive", Text(status.OfflineSessions)),
            ("clients/total", Text(total)),
            ("clients/maximum", Text(_maxClients)),
            ("clients/expired", Text(sessions.ExpiredCount)),
            ("messages/received", Text(status.MessagesReceived)),
            ("messages/sent", Text(status.MessagesSent)),
            ("publish/messages/received", Text(status.MessagesReceived)),
            ("publish/messages/sent", Text(status.MessagesSent)),
            ("messages/stored", Text(stored)),
            ("store/messages/count", Text(stored)),
            ("bytes/received", Text(metrics.TotalBytesReceived)),
            ("bytes/sent", Text(metrics.TotalBytesSent)),
            ("subscriptions/count", Text(subscriptions.Count + shared.Count)),
            ("shared_subscriptions/count", Text(shared.Count)),
            ("retained messages/count", Text(status.RetainedMessages)),
            ("publish/messages/dropped", Text(status.MessagesDropped)),
            .. loads.SelectMany(l => LoadOf(l.Topic).Update(l.Counter, seconds)),
            // Ours: what was refused since start (the Overview's warning line names each with its setting).
            ("refused/logins", Text(status.LoginsFailed)),
            ("refused/wills", Text(status.WillsRefused)),
            ("refused/packets", Text(status.PacketsMalformed)),
            ("refused/connections", Text(status.ConnectionsRefused + status.PendingConnectionsRefused)),
            // Ours, not Mosquitto's: whether the dashboard keeps up with the broker (events handed to ingestion and
            // not yet read, read so far, and dropped because its channel was full).
            ("ingestion/processed", Text(status.IngestionProcessed)),
            ("ingestion/backlog", Text(status.IngestionBacklog)),
            ("ingestion/dropped", Text(status.IngestionDropped)),
            // Mosquitto's name for the memory it has allocated; here the managed (GC) heap in bytes, garbage not yet collected included.
            ("heap/current", Text(GC.GetTotalMemory(forceFullCollection: false))),
        ];
        try
        {
            foreach (var (topic, value) in values)
            {
                await broker.PublishAsync(new MqttApplicationMessage
                {
                    Topic = "$SYS/broker/" + topic,
                    PayloadSegment = Encoding.UTF8.GetBytes(value),
                    Retain = true,
                });
            }
        }
        catch (Exception ex)
        {
            logger.LogDebug(ex, "Could not publish $SYS topics");
        }
    }
}
