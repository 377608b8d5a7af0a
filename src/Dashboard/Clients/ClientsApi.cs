using System.Security.Claims;
using Dashboard.Accounts;
using Dashboard.Broker.Admin;
using Dashboard.Broker.External;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Dashboard.Clients;

/// <summary>
/// <c>/api/clients</c> and <c>/api/bans</c> (admins only: they show addresses and usernames). A client id may hold a
/// <c>/</c>: send it as <c>%2F</c>.
/// </summary>
internal static class ClientsApi
{
    public static IEndpointRouteBuilder MapClientsApi(this IEndpointRouteBuilder app)
    {
        var clients = app.MapGroup("/api/clients").WithTags("Clients").RequireAuthorization(DashboardPolicies.Admin)
            .RequireEmbeddedBroker();
        clients.MapGet("/", ListAsync);
        clients.MapGet("/{clientId}", GetAsync);
        clients.MapPost("/{clientId}/disconnect", DisconnectAsync);
        clients.MapPost("/{clientId}/end-session", EndSessionAsync);

        var bans = app.MapGroup("/api/bans").WithTags("Clients").RequireAuthorization(DashboardPolicies.Admin)
            .RequireEmbeddedBroker();
        bans.MapGet("/", (ClientAdmin admin) => TypedResults.Ok(admin.Bans().Select(BanDto.From)));
        bans.MapPost("/", BanAsync);
        bans.MapDelete("/{id:long}", LiftAsync);
        return app;
    }

    /// <summary><c>?search=&amp;page=&amp;limit=</c>: connected clients, then offline sessions; page 1 first; limit 1–1000, 100 by default.</summary>
    private static async Task<Results<Ok<ClientPage>, ValidationProblem>> ListAsync(string? search, int? page, int? limit, ClientAdmin admin)
    {
        if (page is < 1)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["page"] = ["Pages are numbered from 1."] }, title: "The request is not valid.");
        }

        if (limit is < 1 or > ClientAdmin.MaxLimit)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"A page holds 1 to {ClientAdmin.MaxLimit} clients."] },
                title: "The request is not valid.");
        }

        return TypedResults.Ok(await admin.PageAsync(search, page ?? 1, limit ?? ClientAdmin.DefaultLimit));
    }

    private static async Task<Results<Ok<BrokerClientInfo>, ProblemHttpResult>> GetAsync(string clientId, ClientAdmin admin) =>
        await admin.FindAsync(Id(clientId)) is { } client ? TypedResults.Ok(client) : NotFound($"There is no client or session '{Id(clientId)}'.");

    private static async Task<Results<NoContent, ProblemHttpResult>> DisconnectAsync(string clientId, ClientAdmin admin, ClaimsPrincipal user) =>
        await admin.DisconnectAsync(Id(clientId), user.Identity?.Name) ? TypedResults.NoContent() : NotFound($"Client '{Id(clientId)}' is not connected.");

    private static async Task<Results<NoContent, ProblemHttpResult>> EndSessionAsync(string clientId, ClientAdmin admin, ClaimsPrincipal user) =>
        await admin.EndSessionAsync(Id(clientId), user.Identity?.Name) ? TypedResults.NoContent() : NotFound($"There is no client or session '{Id(clientId)}'.");

    private static async Task<Results<Created<BanCreatedDto>, ValidationProblem>> BanAsync(BanRequest request, ClientAdmin admin, ClaimsPrincipal user)
    {
        var errors = new Dictionary<string, string[]>();
        var kind = BanDto.ParseKind(request.Kind);
        if (kind is null)
        {
            errors["kind"] = ["Use clientId, username or address."];
        }

        var (_, valueError) = BrokerBans.Normalize(kind ?? BanKind.ClientId, request.Value);
        if (valueError is not null)
        {
            errors["value"] = [valueError];
        }

        if (request.DurationMinutes is { } minutes && (!double.IsFinite(minutes) || minutes <= 0 || minutes > BrokerBans.MaxDuration.TotalMinutes))
        {
            errors["durationMinutes"] = [$"Between 0 and {BrokerBans.MaxDuration.TotalMinutes} minutes; leave it out for a ban until lifted."];
        }

        if (request.Reason is { Length: > 500 })
        {
            errors["reason"] = ["At most 500 characters."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The ban is not valid.");
        }

        var duration = request.DurationMinutes is { } m ? TimeSpan.FromMinutes(m) : (TimeSpan?)null;
        var (ban, disconnected) = await admin.BanAsync(new BanInput(kind!.Value, request.Value, duration, request.Reason), user.Identity?.Name);
        return TypedResults.Created($"/api/bans/{ban.Id}", new BanCreatedDto(BanDto.From(ban), disconnected));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> LiftAsync(long id, ClientAdmin admin, ClaimsPrincipal user) =>
        await admin.LiftAsync(id, user.Identity?.Name) is not null ? TypedResults.NoContent() : NotFound($"There is no ban {id}.");

    /// <summary>Routing leaves an encoded <c>/</c> encoded.</summary>
    private static string Id(string routeValue) => routeValue.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);

    private static ProblemHttpResult NotFound(string detail) => TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");
}
