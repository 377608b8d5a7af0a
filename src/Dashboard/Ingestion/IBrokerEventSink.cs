using Dashboard.Broker.Events;
using Dashboard.Devices;
using Dashboard.Devices.Conventions;
using Dashboard.Readings;

namespace Dashboard.Ingestion;

/// <summary>
/// Receives every broker event, in order, on the ingestion service's single thread. Keep it quick and
/// in memory; a sink with slow work (database, network) buffers it and does it elsewhere.
/// </summary>
public interface IBrokerEventSink
{
    void Handle(in IngestedEvent ingested);
}

/// <summary>
/// A broker event with what ingestion read from it, once for all sinks: a publish is either a presence report (a
/// status topic) or a payload with zero or more readings; connection events and the dashboard's own publishes
/// (<see cref="IngestionOptions.OwnTopicPrefixes"/>) carry neither. <see cref="DeviceId"/> is the device the
/// presence report or the readings belong to (<see cref="DeviceResolver"/>), null when there are none.
/// <see cref="SeriesTopic"/> is the topic its readings' series are keyed by when a convention names one (a Sparkplug
/// birth's metrics are the series of its DATA topic); sinks key series by <see cref="ReadingsTopic"/>.
/// <see cref="Request"/> is a message a convention asks the dashboard to publish (ingestion sends it).
/// <see cref="ClaimedTopics"/> are topics a discovery config assigns to <see cref="DeviceId"/> from now on, <see cref="ReleasedTopics"/>
/// those no config declares any more; <see cref="Controls"/> the controls it declares.
/// </summary>
public readonly record struct IngestedEvent(
    BrokerEvent Event, PresenceReport? Presence, ParsedPayload? Payload, string? DeviceId, string? SeriesTopic = null, ConventionRequest? Request = null,
    IReadOnlyList<string>? ClaimedTopics = null, Devices.Controls.DeclaredControls? Controls = null, IReadOnlyList<string>? ReleasedTopics = null)
{
    /// <summary>The topic of the readings' series: the publish's own unless a convention named another.</summary>
    public string? ReadingsTopic => SeriesTopic ?? Event.Topic;

    /// <summary>
    /// Reads <paramref name="brokerEvent"/>: a firmware convention that claims the topic decides; otherwise a status topic
    /// is presence (and teaches <paramref name="devices"/> its device), a command topic carries no readings, and anything
    /// else is parsed for readings.
    /// </summary>
    public static IngestedEvent From(
        in BrokerEvent brokerEvent, PresenceParser presence, DeviceResolver devices, IReadOnlyList<string>? ownTopicPrefixes = null,
        DeviceConventions? conventions = null, IReadOnlyList<string>? ownPublishers = null)
    {
        if (brokerEvent.Kind != BrokerEventKind.MessagePublished || IsOwn(brokerEvent.Topic!, ownTopicPrefixes)
            || (brokerEvent.Publisher is { } publisher && ownPublishers?.Contains(publisher) == true))
        {
            return new(brokerEvent, null, null, null);
        }

        var topic = brokerEvent.Topic!;
        var payload = brokerEvent.Payload.Span;
        if (conventions?.Read(topic, payload, brokerEvent.Time) is { } reading)
        {
            return new(brokerEvent, reading.Presence, reading.Payload, reading.DeviceId, reading.SeriesTopic, reading.Request, reading.ClaimedTopics, reading.Controls,
                reading.ReleasedTopics);
        }

        if (payload.Length > 0 && presence.TryParse(topic, payload, out var report))
        {
            devices.AddStatusDevice(report.DeviceId);
            return new(brokerEvent, report, null, report.DeviceId);
        }

        if (DeviceResolver.IsCommandTopic(topic))
        {
            return new(brokerEvent, null, null, null); // home/led/set ON is an order to the LED, not a reading of it
        }

        var parsed = PayloadParser.Parse(topic, payload, brokerEvent.Time);
        var deviceId = parsed.Values.Count > 0 ? devices.Resolve(topic, parsed.DeviceHint) : null;
        return new(brokerEvent, null, parsed, deviceId);
    }

    /// <summary>
    /// This event without its payload's own time when that is further than <paramref name="window"/> from the arrival (a
    /// device clock never set, or set wrong): the readings then take the arrival time. Null when the time is kept or there is none.
    /// A retained message replayed at start-up is not judged: it arrived before the restart, so its own time is the better one.
    /// </summary>
    public IngestedEvent? WithoutPayloadTimeBeyond(TimeSpan window) =>
        !Event.Restored && Payload is { Time: { } stated } payload && (stated - Event.Time).Duration() > window
            ? this with { Payload = payload with { Time = null } }
            : null;

    private static bool IsOwn(string topic, IReadOnlyList<string>? prefixes)
    {
        if (prefixes is null)
        {
            return false;
        }

        foreach (var prefix in prefixes)
        {
            if (topic.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
