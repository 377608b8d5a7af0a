using Dashboard.Storage;
using Microsoft.Extensions.Options;

namespace Dashboard.Backups;

/// <summary>
/// Every <see cref="BackupsOptions.Interval"/>, a snapshot into <see cref="BackupsOptions.Folder"/> (counted from the
/// newest one there, so a restart does not add one), and the oldest beyond <see cref="BackupsOptions.Keep"/> deleted.
/// A snapshot is written under a temporary name and renamed, so the folder only ever holds whole ones.
/// </summary>
internal sealed class ScheduledBackups(
    DatabaseSnapshots snapshots,
    BackupStatus status,
    IOptions<BackupsOptions> options,
    IConfiguration configuration,
    TimeProvider clock,
    ILogger<ScheduledBackups> logger) : BackgroundService
{
    private const string Pattern = "dashboard-*.db";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!snapshots.Supported)
        {
            if (!string.IsNullOrWhiteSpace(options.Value.Folder))
            {
                logger.LogWarning("Scheduled backups are off: {Advice}", DatabaseSnapshots.PostgreSqlAdvice);
            }

            return;
        }

        // Downloads left behind by a crash (a finished or abandoned download deletes its own).
        foreach (var leftover in Directory.GetFiles(StorageFeature.DataDirectory(configuration), "backup-*.db.tmp"))
        {
            File.Delete(leftover);
        }

        var o = options.Value;
        if (string.IsNullOrWhiteSpace(o.Folder))
        {
            return;
        }

        logger.LogInformation("Scheduled backups: a snapshot every {Interval} into {Folder}, keeping {Keep}", o.Interval, Path.GetFullPath(o.Folder), o.Keep);
        if (Newest(o.Folder) is { } previous)
        {
            status.Succeeded(File.GetLastWriteTimeUtc(previous), Path.GetFileName(previous)); // from before a restart
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var due = Newest(o.Folder) is { } newest ? File.GetLastWriteTimeUtc(newest) + o.Interval : DateTime.MinValue;
            var wait = due - clock.GetUtcNow().UtcDateTime;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, clock, stoppingToken);
            }

            try
            {
                await TakeAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                status.Failed(clock.GetUtcNow(), ex.Message);
                logger.LogError(ex, "Scheduled backup into {Folder} failed; the next try is in {Interval}", o.Folder, o.Interval);
                await Task.Delay(o.Interval, clock, stoppingToken);
            }
        }
    }

    /// <summary>Writes one snapshot and deletes the oldest beyond Keep; returns the snapshot's path.</summary>
    internal async Task<string> TakeAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var now = clock.GetUtcNow();
        var path = Path.Combine(o.Folder, DatabaseSnapshots.FileName(now));
        var partial = path + ".partial";
        StorageFeature.CreatePrivately(o.Folder, null); // 0700, like the data folder: snapshots hold password hashes
        File.Delete(partial); // left by a crash
        await snapshots.WriteAsync(partial, cancellationToken);
        File.Move(partial, path, overwrite: true);
        // The schedule is counted from the file's time: the clock's, so a test's clock (and a restart) agrees with it.
        File.SetLastWriteTimeUtc(path, now.UtcDateTime);
        logger.LogInformation("Backup written: {File} ({Bytes} bytes)", path, new FileInfo(path).Length);

        foreach (var old in Directory.GetFiles(o.Folder, Pattern).Order(StringComparer.Ordinal).SkipLast(o.Keep))
        {
            File.Delete(old);
            logger.LogInformation("Old backup deleted: {File}", old);
        }

        status.Succeeded(now, Path.GetFileName(path));
        return path;
    }

    private static string? Newest(string folder) =>
        Directory.Exists(folder) ? Directory.GetFiles(folder, Pattern).Order(StringComparer.Ordinal).LastOrDefault() : null;
}
