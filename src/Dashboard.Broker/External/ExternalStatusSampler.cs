using Dashboard.Broker.Events;
using Dashboard.Broker.Metrics;
using Dashboard.Broker.Status;

namespace Dashboard.Broker.External;

/// <summary>
/// <see cref="BrokerStatusFeed"/> in External mode, once a second: the connection to the external broker, the messages
/// this dashboard received and sent, and ingestion. The broker's own clients, sessions and retained messages are its own
/// to show (the retained count is what was read at start).
/// </summary>
internal sealed class ExternalStatusSampler(
    ExternalBrokerClient client, BrokerMetrics metrics, BrokerEventChannel events, BrokerStatusFeed feed, BrokerListeners listeners, TimeProvider clock)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var previous = (Time: clock.GetUtcNow(), In: metrics.MessagesReceived, Out: metrics.MessagesSent);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var now = clock.GetUtcNow();
                var (received, sent) = (metrics.MessagesReceived, metrics.MessagesSent);
                var seconds = Math.Max(0.001, (now - previous.Time).TotalSeconds);
                feed.Publish(new BrokerStatus(
                    now,
                    now - client.StartedAt,
                    listeners.Open,
                    0,
                    (received - previous.In) / seconds,
                    (sent - previous.Out) / seconds,
                    received,
                    sent,
                    client.RetainedAtStart,
                    0,
                    0,
                    events.Read,
                    events.Count,
                    metrics.IngestionDropped,
                    0,
                    0,
                    External: client.State));
                previous = (now, received, sent);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
