using System.Diagnostics.Metrics;
using Dashboard.Alerts;
using Dashboard.Alerts.Notifications;
using Dashboard.Broker.Events;
using Dashboard.History;
using Dashboard.Ingestion;
using Dashboard.Live;

namespace Dashboard.Monitoring;

/// <summary>
/// The dashboard's own figures as .NET metrics (meter <c>Dashboard</c>, so <c>dashboard_ingestion_backlog</c> in Prometheus),
/// beside the broker's (<c>Dashboard.Broker</c>: <c>dashboard_broker_mqtt_…</c>) and ASP.NET Core's: ingestion, history,
/// alerts, live state. Read when scraped, never per message.
/// </summary>
internal sealed class DashboardMeter : IDisposable
{
    private readonly Meter _meter = new("Dashboard");

    public DashboardMeter(BrokerEventChannel channel, IngestionStats ingestion, HistoryStats history, AlertService alerts, NotificationDelivery notifications, LiveState live)
    {
        _meter.CreateObservableUpDownCounter("ingestion.backlog", () => channel.Count, description: "Broker events waiting to be ingested");
        _meter.CreateObservableCounter("ingestion.events", () => channel.Read, description: "Broker events ingested");
        _meter.CreateObservableCounter("ingestion.payload_times_ignored", () => ingestion.PayloadTimesIgnored,
            description: "Readings stored at their arrival time because their own time was outside Ingestion:PayloadTimeWindow");
        _meter.CreateObservableCounter("history.readings.stored", () => history.Stored, description: "Readings written to history");
        _meter.CreateObservableCounter("history.readings.dropped", () => history.Dropped, description: "Readings dropped because the history buffer was full");
        _meter.CreateObservableCounter("history.writes.failed", () => history.Failed, description: "History batches that could not be written");
        _meter.CreateObservableUpDownCounter("alerts.active", () => alerts.Counts().Active, description: "Alerts active and not acknowledged");
        _meter.CreateObservableUpDownCounter("alerts.acknowledged", () => alerts.Counts().Acknowledged, description: "Alerts acknowledged and not cleared");
        _meter.CreateObservableCounter("notifications.sent", () => notifications.Sent, description: "Alert notifications delivered to a channel");
        _meter.CreateObservableCounter("notifications.failed", () => notifications.Failed, description: "Alert notifications given up after every retry");
        _meter.CreateObservableCounter("notifications.retried", () => notifications.Retried, description: "Failed notification attempts tried again");
        _meter.CreateObservableCounter("notifications.suppressed", () => notifications.Suppressed,
            description: "Alert notifications held back by a channel's rate limit (Notifications:MaxPerMinute)");
        _meter.CreateObservableCounter("notifications.dropped", () => notifications.Dropped, description: "Alert notifications dropped because a channel's queue was full");
        _meter.CreateObservableCounter("live.topics.dropped", () => live.TopicsDropped, description: "Messages on topics beyond Live:MaxTopics");
        _meter.CreateObservableCounter("devices.presence_changes.dropped", () => live.PresenceDropped,
            description: "Presence changes the device registry could not keep up with");
    }

    public void Dispose() => _meter.Dispose();
}
