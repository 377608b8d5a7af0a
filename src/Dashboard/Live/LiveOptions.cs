using System.ComponentModel.DataAnnotations;

namespace Dashboard.Live;

/// <summary>Bounds of the in-memory live state (section <c>Live</c>).</summary>
public sealed class LiveOptions
{
    public const string Section = "Live";

    /// <summary>Topics tracked; messages on further topics still flow through the broker but are not shown.</summary>
    [Range(10, 10_000_000)]
    public int MaxTopics { get; set; } = 50_000;

    /// <summary>(topic, metric) series tracked.</summary>
    [Range(10, 10_000_000)]
    public int MaxSeries { get; set; } = 50_000;

    /// <summary>Points kept per series for sparklines.</summary>
    [Range(2, 10_000)]
    public int SparklinePoints { get; set; } = 60;

    /// <summary>Bytes of each topic's last payload kept for the topic explorer.</summary>
    [Range(16, 1_048_576)]
    public int PayloadPreviewBytes { get; set; } = 4096;

    /// <summary>Clients remembered after they disconnect (those still linked to a device are always kept).</summary>
    [Range(0, 1_000_000)]
    public int MaxDisconnectedClients { get; set; } = 1000;
}
