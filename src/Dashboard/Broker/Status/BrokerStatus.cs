namespace Dashboard.Broker.Status;

/// <summary>A configured listener, as the Overview shows it.</summary>
public sealed record ListenerInfo(string Name, string Description, string Url);

/// <summary>The broker at one moment, sampled every second.</summary>
public sealed record BrokerStatus(
    DateTimeOffset Time,
    TimeSpan Uptime,
    IReadOnlyList<ListenerInfo> Listeners,
    int ConnectedClients,
    double MessagesInPerSecond,
    double MessagesOutPerSecond,
    long MessagesReceived,
    long MessagesSent,
    int RetainedMessages,
    int PersistentSessions,
    int OfflineSessions,
    long IngestionProcessed,
    int IngestionBacklog,
    long IngestionDropped,
    long MessagesDropped,
    long PacketsTooLarge)
{
    public static readonly BrokerStatus Starting = new(
        DateTimeOffset.UtcNow, TimeSpan.Zero, [], 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}
