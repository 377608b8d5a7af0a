using System.ComponentModel.DataAnnotations;

namespace Dashboard.Ingestion;

/// <summary>The hand-off from the broker to the dashboard (section <c>Ingestion</c>).</summary>
public sealed class IngestionOptions
{
    public const string Section = "Ingestion";

    /// <summary>Broker events held for ingestion; when it is full, new events are dropped and counted, never waited for.</summary>
    [Range(1, 10_000_000)]
    public int ChannelCapacity { get; set; } = 100_000;

    /// <summary>
    /// Devices with a status topic remembered, to give them the readings below it; beyond it, readings of further
    /// ones fall back to their device field or topic.
    /// </summary>
    [Range(10, 10_000_000)]
    public int MaxStatusDevices { get; set; } = 50_000;

    /// <summary>
    /// A payload's own time (<c>ts</c>, <c>time</c>, a convention's timestamp) is used only this close to its arrival, before
    /// or after; further off, the device's clock is wrong (never set, a wrong zone) and the arrival time is used and counted.
    /// A day keeps readings a device buffered through a night offline where they belong.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan PayloadTimeWindow { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Topic prefixes the dashboard publishes to itself (alert notices, filled in by those features, not from
    /// configuration): the broker delivers them and the topic explorer lists them, but they are not read as readings
    /// or presence, so the dashboard does not show its own messages as a device.
    /// </summary>
    public List<string> OwnTopicPrefixes { get; } = [];

    /// <summary>
    /// Who, publishing through <c>IBrokerPublisher</c>, publishes the dashboard's own messages on topics an admin chose
    /// (alert notifications to an MQTT channel): like <see cref="OwnTopicPrefixes"/>, never read as readings or presence.
    /// </summary>
    public List<string> OwnPublishers { get; } = [];
}
