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
    /// Topic prefixes the dashboard publishes to itself (alert notices, filled in by those features, not from
    /// configuration): the broker delivers them and the topic explorer lists them, but they are not read as readings
    /// or presence, so the dashboard does not show its own messages as a device.
    /// </summary>
    public List<string> OwnTopicPrefixes { get; } = [];
}
