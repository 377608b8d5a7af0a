using Dashboard.Broker.Events;
using Dashboard.Broker.Metrics;
using Dashboard.Storage;

namespace Dashboard.Alerts.Health;

/// <summary>
/// The broker's health figures at one moment: counters since start (dropped messages by cause, refused connections,
/// failed logins), the ingestion backlog, and the free space on the database's volume (null when not read or unreadable).
/// </summary>
public readonly record struct HealthSample(
    DateTimeOffset Time,
    long QueueFull,
    long TooLarge,
    long RateLimited,
    long IngestionFull,
    long RefusedConnections,
    long FailedLogins,
    int Backlog,
    long? FreeBytes = null,
    long? TotalBytes = null)
{
    public long Dropped => QueueFull + TooLarge + RateLimited + IngestionFull;
}

/// <summary>
/// Reads the health figures for the alert engine's tick: a handful of interlocked counters, the event channel's count,
/// and (only when a rule watches it) one statvfs of the database's folder. Nothing is added to the broker's hot path.
/// </summary>
internal sealed class HealthSampler(BrokerMetrics metrics, BrokerEventChannel channel, IConfiguration configuration, ILogger<HealthSampler> logger)
{
    private readonly LogLimiter _diskLog = new(TimeSpan.FromMinutes(10));

    /// <summary>The folder holding the database file (<c>ConnectionStrings:Dashboard</c>): its volume is the one watched.</summary>
    public string DiskPath { get; } = StorageFeature.DataDirectory(configuration);

    public BrokerMetrics Metrics => metrics;

    public HealthSample Sample(DateTimeOffset now, bool disk)
    {
        var sample = new HealthSample(
            now,
            metrics.MessagesDropped,
            metrics.PacketsTooLarge + metrics.MessagesTooLargeForClient,
            metrics.PublishRateExceeded,
            metrics.IngestionDropped,
            metrics.RefusedConnections.Total,
            metrics.FailedLogins.Total,
            channel.Count);
        if (!disk)
        {
            return sample;
        }

        try
        {
            var drive = new DriveInfo(DiskPath);
            return sample with { FreeBytes = drive.AvailableFreeSpace, TotalBytes = drive.TotalSize };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            if (_diskLog.ShouldLog())
            {
                logger.LogWarning(ex, "Free disk space of {Path} could not be read: disk space alert rules wait", DiskPath);
            }

            return sample;
        }
    }
}
