using Dashboard.Accounts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Dashboard.EventLog;

/// <summary><c>GET /api/events</c> (admins): a page of the event log, newest first.</summary>
internal static class EventLogApi
{
    public static IEndpointRouteBuilder MapEventLogApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/events", ListAsync).WithTags("Events").RequireAuthorization(DashboardPolicies.Admin);
        return app;
    }

    /// <summary><c>?kind=&amp;client=&amp;search=&amp;page=&amp;limit=</c>: page 1 first; limit 1–1000, 100 by default.</summary>
    private static async Task<Results<Ok<EventPage>, ValidationProblem>> ListAsync(
        string? kind, string? client, string? search, int? page, int? limit, EventLogService log, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(kind) && !EventKinds.All.Contains(kind))
        {
            return Invalid("kind", $"Unknown kind '{kind}': use {string.Join(", ", EventKinds.All)}.");
        }

        if (page is < 1 or > EventLogService.MaxPage)
        {
            return Invalid("page", $"Pages are numbered from 1 to {EventLogService.MaxPage}.");
        }

        if (limit is < 1 or > EventLogService.MaxLimit)
        {
            return Invalid("limit", $"A page holds 1 to {EventLogService.MaxLimit} events.");
        }

        return TypedResults.Ok(await log.PageAsync(kind, client, search, page ?? 1, limit ?? EventLogService.DefaultLimit, cancellationToken));
    }

    private static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "The query is not valid.");
}
