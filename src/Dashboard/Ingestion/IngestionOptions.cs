using System.ComponentModel.DataAnnotations;

namespace Dashboard.Ingestion;

public sealed class IngestionOptions
{
    public const string Section = "Ingestion";

    /// <summary>Broker events held for ingestion; when it is full, new events are dropped and counted, never waited for.</summary>
    [Range(1, 10_000_000)]
    public int ChannelCapacity { get; set; } = 100_000;
}
