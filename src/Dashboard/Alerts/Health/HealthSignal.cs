namespace Dashboard.Alerts.Health;

/// <summary>What a health rule (<see cref="AlertRuleKind.Health"/>) watches: the broker's and the dashboard's own figures.</summary>
public enum HealthSignal
{
    /// <summary>Messages the broker dropped (a client's queue full, too large, over the rate limit, the ingestion channel full), counted over the rule's window.</summary>
    DroppedMessages,

    /// <summary>Connections refused, before or at CONNECT, for any reason (credentials, bans, limits, protocol), counted over the window.</summary>
    RefusedConnections,

    /// <summary>CONNECTs refused for their credentials, counted over the window.</summary>
    FailedLogins,

    /// <summary>Broker events waiting to be ingested, now.</summary>
    IngestionBacklog,

    /// <summary>Free space, in MB, on the volume holding the database.</summary>
    FreeDiskMegabytes,

    /// <summary>Free space, in percent of its size, on the volume holding the database.</summary>
    FreeDiskPercent,
}

/// <summary>How health signals read in the API, the form and alert messages.</summary>
public static class HealthSignals
{
    public const string Names = "dropped-messages, refused-connections, failed-logins, ingestion-backlog, free-disk-mb or free-disk-percent";

    /// <summary>The longest window a count may be taken over.</summary>
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(1);

    public static string Name(HealthSignal signal) => signal switch
    {
        HealthSignal.DroppedMessages => "dropped-messages",
        HealthSignal.RefusedConnections => "refused-connections",
        HealthSignal.FailedLogins => "failed-logins",
        HealthSignal.IngestionBacklog => "ingestion-backlog",
        HealthSignal.FreeDiskMegabytes => "free-disk-mb",
        _ => "free-disk-percent",
    };

    public static HealthSignal? Parse(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "dropped-messages" => HealthSignal.DroppedMessages,
        "refused-connections" => HealthSignal.RefusedConnections,
        "failed-logins" => HealthSignal.FailedLogins,
        "ingestion-backlog" => HealthSignal.IngestionBacklog,
        "free-disk-mb" => HealthSignal.FreeDiskMegabytes,
        "free-disk-percent" => HealthSignal.FreeDiskPercent,
        _ => null,
    };

    /// <summary>Counted over a window (how many in the last N s), rather than a level now.</summary>
    public static bool IsCount(HealthSignal signal) => signal is HealthSignal.DroppedMessages or HealthSignal.RefusedConnections or HealthSignal.FailedLogins;

    public static bool IsDisk(HealthSignal signal) => signal is HealthSignal.FreeDiskMegabytes or HealthSignal.FreeDiskPercent;

    /// <summary>Alert when the figure goes up (counts, backlog) or down (free space).</summary>
    public static bool AlertsWhenLow(HealthSignal signal) => IsDisk(signal);

    /// <summary>What the figure is, for a rule's condition: <c>failed logins</c>, <c>free disk space</c>.</summary>
    public static string Title(HealthSignal signal) => signal switch
    {
        HealthSignal.DroppedMessages => "dropped messages",
        HealthSignal.RefusedConnections => "refused connections",
        HealthSignal.FailedLogins => "failed logins",
        HealthSignal.IngestionBacklog => "ingestion backlog",
        _ => "free disk space",
    };

    /// <summary>The threshold's unit: <c> MB</c>, <c> %</c>, <c> events</c>; counts have none.</summary>
    public static string Unit(HealthSignal signal) => signal switch
    {
        HealthSignal.FreeDiskMegabytes => " MB",
        HealthSignal.FreeDiskPercent => " %",
        HealthSignal.IngestionBacklog => " events",
        _ => "",
    };
}
