using Dashboard.Storage;
using Microsoft.Data.Sqlite;

namespace Dashboard.Backups;

/// <summary>
/// A consistent copy of the live database, made by SQLite's <c>VACUUM INTO</c>: one read transaction, which in WAL mode
/// never blocks the writers (the broker's commits, history batches) and sees none of what they commit meanwhile.
/// </summary>
public sealed class DatabaseSnapshots(DatabaseConnection database)
{
    /// <summary>What a snapshot is refused with on PostgreSQL, whose own tools back it up.</summary>
    public const string PostgreSqlAdvice =
        "The database is PostgreSQL: back it up with its own tools (pg_dump, or the server's continuous archiving); see the README's Backups section.";

    /// <summary>Snapshots are SQLite's <c>VACUUM INTO</c>; a PostgreSQL server is backed up by its own tools.</summary>
    public bool Supported => database.Provider == StorageProvider.Sqlite;

    private const int SqliteFull = 13;

    // One at a time: each needs as much free disk as the database, and they compete for the same disk.
    private readonly SemaphoreSlim _one = new(1, 1);

    /// <summary><c>dashboard-20250601T120000Z.db</c>: names sort by time.</summary>
    public static string FileName(DateTimeOffset time) => $"dashboard-{time.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}.db";

    /// <summary>
    /// Writes a snapshot to <paramref name="path"/> (a new file, 0600 like the database). Throws
    /// <see cref="NoRoomException"/>, leaving no file, when the disk cannot hold it.
    /// </summary>
    public async Task WriteAsync(string path, CancellationToken cancellationToken)
    {
        await _one.WaitAsync(cancellationToken);
        try
        {
            // SQLite is synchronous: off the caller's thread, so a request or the host never waits on the disk.
            await Task.Run(() => Write(path), cancellationToken);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == SqliteFull)
        {
            File.Delete(path);
            throw new NoRoomException($"The disk filled up while writing the snapshot: {ex.Message}");
        }
        catch
        {
            File.Delete(path);
            throw;
        }
        finally
        {
            _one.Release();
        }
    }

    private void Write(string path)
    {
        using var connection = new SqliteConnection(database.ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout=5000;";
        command.ExecuteNonQuery();

        // The copy holds the used pages only; refuse before filling the disk the live database needs.
        command.CommandText = "SELECT (page_count - freelist_count) * page_size FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()";
        var needed = Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var free = new DriveInfo(folder).AvailableFreeSpace;
        if (free < needed)
        {
            throw new NoRoomException($"A snapshot needs {needed / 1_048_576.0:0.0} MB and {folder} has {free / 1_048_576.0:0.0} MB free.");
        }

        // VACUUM INTO accepts an empty file: made first, so it is the owner's alone (it holds password hashes).
        StorageFeature.CreatePrivately(folder, path);
        command.CommandText = "VACUUM INTO $path";
        command.Parameters.AddWithValue("$path", path);
        command.ExecuteNonQuery();
    }
}

/// <summary>The disk has no room for a snapshot.</summary>
public sealed class NoRoomException(string message) : IOException(message);
