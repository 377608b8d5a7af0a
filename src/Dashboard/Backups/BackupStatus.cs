using Dashboard.Common;

namespace Dashboard.Backups;

/// <summary>What the Settings page shows of the scheduled snapshots: the last one written and the last failure, if later.</summary>
public sealed class BackupStatus(ILogger<BackupStatus> logger)
{
    private readonly SubscriberList<BackupStatus> _changed = new(logger, "backup status");

    public DateTimeOffset? LastSnapshotAt { get; private set; }
    public string? LastSnapshotFile { get; private set; }
    public DateTimeOffset? LastFailureAt { get; private set; }
    public string? LastFailure { get; private set; }

    public IDisposable SubscribeChanged(Action<BackupStatus> handler) => _changed.Subscribe(handler);

    internal void Succeeded(DateTimeOffset at, string file)
    {
        (LastSnapshotAt, LastSnapshotFile, LastFailureAt, LastFailure) = (at, file, null, null);
        _changed.Publish(this);
    }

    internal void Failed(DateTimeOffset at, string reason)
    {
        (LastFailureAt, LastFailure) = (at, reason);
        _changed.Publish(this);
    }
}
