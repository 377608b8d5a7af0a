namespace Dashboard.Broker.Status;


/// <summary>The broker at one moment, sampled every second; in External mode <see cref="External"/> is the connection to it.</summary>
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
    long PacketsTooLarge,
    long ConnectionsRefused = 0,
    long TopicsRefused = 0,
    long PublishRateExceeded = 0,
    long PendingConnectionsRefused = 0,
    long LoginsThrottled = 0,
    long LoginsFailed = 0,
    long WillsRefused = 0,
    long PacketsMalformed = 0,
    long SubscriptionsRefused = 0,
    External.ExternalBrokerState? External = null)
{
    /// <summary>Something was refused or dropped since start: the Overview shows a warning line.</summary>
    public bool HasRefusals =>
        MessagesDropped > 0 || IngestionDropped > 0 || PacketsTooLarge > 0 || ConnectionsRefused > 0 || TopicsRefused > 0 || PublishRateExceeded > 0
        || PendingConnectionsRefused > 0 || LoginsThrottled > 0 || LoginsFailed > 0 || WillsRefused > 0 || PacketsMalformed > 0
        || SubscriptionsRefused > 0;

    public static readonly BrokerStatus Starting = new(
        DateTimeOffset.MinValue, TimeSpan.Zero, [], 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}
