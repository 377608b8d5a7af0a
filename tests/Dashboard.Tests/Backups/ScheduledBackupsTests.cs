using Dashboard.Backups;
using Dashboard.Storage;
using Dashboard.Tests.History;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dashboard.Tests.Backups;

/// <summary>Scheduled snapshots of a real SQLite file: whole copies, private, and only the newest <c>Keep</c> kept.</summary>
public sealed class ScheduledBackupsTests : IDisposable
{
    private readonly HistoryDatabase _db = new();
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "dashboard-tests", $"backups-{Guid.NewGuid():N}", "nested");
    private readonly BackupStatus _status = new(NullLogger<BackupStatus>.Instance);

    private ScheduledBackups Schedule(int keep) => new(
        new DatabaseSnapshots(new DatabaseConnection(StorageProvider.Sqlite, _db.ConnectionString)),
        _status,
        Options.Create(new BackupsOptions { Folder = _folder, Keep = keep }),
        new ConfigurationBuilder().Build(),
        _db.Clock,
        NullLogger<ScheduledBackups>.Instance);

    private static long Readings(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT count(*) FROM Readings";
        return (long)count.ExecuteScalar()!;
    }

    [Fact]
    public async Task Only_the_newest_Keep_snapshots_stay_and_each_holds_what_was_written_before_it()
    {
        var schedule = Schedule(keep: 3);
        var start = _db.Clock.Now;
        for (var day = 0; day < 5; day++)
        {
            _db.Write("home/room/temperature", "temperature", "°C", (_db.Clock.Now, 20 + day));
            await schedule.TakeAsync(CancellationToken.None);
            _db.Clock.Now += TimeSpan.FromDays(1);
        }

        var kept = Directory.GetFiles(_folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["dashboard-20250603T120000Z.db", "dashboard-20250604T120000Z.db", "dashboard-20250605T120000Z.db"], kept);
        Assert.Equal([3L, 4L, 5L], kept.Select(name => Readings(Path.Combine(_folder, name!))));
        Assert.Equal((start.AddDays(4), "dashboard-20250605T120000Z.db", null), (_status.LastSnapshotAt, _status.LastSnapshotFile, _status.LastFailure));
    }

    [Fact]
    public async Task The_folder_and_the_snapshots_are_the_owner_s_alone()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // no Unix file modes
        }

        var path = await Schedule(keep: 1).TakeAsync(CancellationToken.None);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_folder));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    public void Dispose()
    {
        _db.Dispose();
        if (Directory.Exists(Path.GetDirectoryName(_folder)))
        {
            Directory.Delete(Path.GetDirectoryName(_folder)!, recursive: true);
        }
    }
}
