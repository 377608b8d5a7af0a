using Dashboard.Accounts;
using Dashboard.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Dashboard.Backups;

/// <summary><c>GET /api/backup</c> (admins): a snapshot of the database, downloaded as <c>dashboard-&lt;time&gt;.db</c>.</summary>
internal static class BackupApi
{
    public const string ContentType = "application/vnd.sqlite3";

    public static IEndpointRouteBuilder MapBackupApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/backup", DownloadAsync).WithTags("Backups").RequireAuthorization(DashboardPolicies.Admin);
        return app;
    }

    private static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> DownloadAsync(
        DatabaseSnapshots snapshots, IConfiguration configuration, TimeProvider clock, ILogger<DatabaseSnapshots> logger, CancellationToken ct)
    {
        if (!snapshots.Supported)
        {
            return TypedResults.Problem(DatabaseSnapshots.PostgreSqlAdvice, statusCode: StatusCodes.Status409Conflict, title: "Backups are the database server's");
        }

        // In the data folder (0700): the snapshot holds what the database holds, password hashes included.
        var temporary = Path.Combine(StorageFeature.DataDirectory(configuration), $"backup-{Guid.NewGuid():N}.db.tmp");
        try
        {
            await snapshots.WriteAsync(temporary, ct);
        }
        catch (NoRoomException ex)
        {
            logger.LogWarning("A backup download was refused: {Reason}", ex.Message);
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "No room for a backup");
        }

        // Deleted when the response is done with it (sent, or the client went away).
        var stream = new FileStream(temporary, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        return TypedResults.File(stream, ContentType, DatabaseSnapshots.FileName(clock.GetUtcNow()));
    }
}
