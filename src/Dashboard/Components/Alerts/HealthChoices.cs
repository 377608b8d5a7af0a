using Dashboard.Alerts.Health;

namespace Dashboard.Components.Alerts;

/// <summary>A health signal in the rule form: its words, and the values a new rule starts with.</summary>
internal sealed record HealthChoice(string Signal, string Words, string Name, string ThresholdLabel, string Unit, double Threshold, double WindowSeconds, double ForSeconds)
{
    public bool Counted => WindowSeconds > 0;
}

internal static class HealthChoices
{
    /// <summary>
    /// Counts start at "more than N in the last 5 min": a few refusals are normal (a device with an old password retrying),
    /// a burst is not. The backlog's default is a tenth of Ingestion:ChannelCapacity's default, held for 30 s.
    /// </summary>
    public static readonly IReadOnlyList<HealthChoice> All =
    [
        new(Name(HealthSignal.FailedLogins), "logins fail (wrong username or password)", "Failed logins", "More than", "logins", 10, 300, 0),
        new(Name(HealthSignal.RefusedConnections), "connections are refused (credentials, bans, limits)", "Refused connections", "More than", "refusals", 20, 300, 0),
        new(Name(HealthSignal.DroppedMessages), "the broker drops messages (queues full, too large, ingestion behind)", "Dropped messages", "More than", "messages", 100, 300, 0),
        new(Name(HealthSignal.IngestionBacklog), "ingestion falls behind (events waiting)", "Ingestion backlog", "Backlog above", "events", 10_000, 0, 30),
        new(Name(HealthSignal.FreeDiskMegabytes), "free disk space runs low (in MB)", "Low disk space", "Free space below", "MB", 1000, 0, 60),
        new(Name(HealthSignal.FreeDiskPercent), "free disk space runs low (in %)", "Low disk space", "Free space below", "%", 10, 0, 60),
    ];

    public static HealthChoice Of(string signal) => All.FirstOrDefault(c => c.Signal == signal) ?? All[0];

    private static string Name(HealthSignal signal) => HealthSignals.Name(signal);
}
