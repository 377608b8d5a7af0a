using System.ComponentModel.DataAnnotations;

namespace Dashboard.Registry;

/// <summary>The device registry's storage; section <c>Registry</c>.</summary>
public sealed class RegistryOptions
{
    public const string Section = "Registry";

    /// <summary>How often devices' last seen and presence changes are written (batched; a crash loses at most this much).</summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "00:10:00")]
    public TimeSpan WriteInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long presence changes are kept for the timeline.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00")]
    public TimeSpan PresenceRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Presence changes kept per device at most (a flapping device keeps its latest).</summary>
    [Range(10, 1_000_000)]
    public int MaxPresenceEventsPerDevice { get; set; } = 1_000;
}
