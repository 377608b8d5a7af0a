namespace Dashboard.Devices;

/// <summary>What an admin set for a device in the registry; <see cref="None"/> until then.</summary>
/// <param name="ExpectedEvery">When set, silence longer than this turns the device offline.</param>
/// <param name="Metrics">Per-metric display name and unit, by metric name.</param>
public sealed record DeviceSettings(
    string? DisplayName,
    string? Group,
    bool Hidden,
    TimeSpan? ExpectedEvery,
    IReadOnlyDictionary<string, MetricSettings> Metrics)
{
    public static readonly DeviceSettings None = new(null, null, false, null, new Dictionary<string, MetricSettings>());

    /// <summary>Nothing set: what a device has until an admin changes it.</summary>
    public bool IsEmpty => DisplayName is null && Group is null && !Hidden && ExpectedEvery is null && Metrics.Count == 0;
}

/// <summary>A metric's display name and unit as an admin set them; null keeps what the device sends.</summary>
public sealed record MetricSettings(string? DisplayName, string? Unit);
