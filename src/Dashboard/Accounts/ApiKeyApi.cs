using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Dashboard.Accounts;

/// <summary><c>/api/api-keys</c> (admins): list, create (the secret is in the reply, once), revoke.</summary>
internal static class ApiKeyApi
{
    public static IEndpointRouteBuilder MapApiKeyApi(this IEndpointRouteBuilder app)
    {
        var keys = app.MapGroup("/api/api-keys").WithTags("API keys").RequireAuthorization(DashboardPolicies.Admin);
        keys.MapGet("/", async (ApiKeys store, CancellationToken ct) => TypedResults.Ok(await store.ListAsync(ct)));
        keys.MapPost("/", CreateAsync);
        keys.MapDelete("/{id:long}", RevokeAsync);
        return app;
    }

    private static async Task<Results<Created<CreatedApiKeyDto>, ValidationProblem>> CreateAsync(
        ApiKeyInput input, ApiKeys store, ClaimsPrincipal user, CancellationToken ct)
    {
        var (created, error) = await store.CreateAsync(input.Name, input.Role, user.Identity?.Name ?? "?", ct);
        return created is null
            ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["key"] = [error!] }, title: "The API key is not valid.")
            : TypedResults.Created($"/api/api-keys/{created.Key.Id}", new CreatedApiKeyDto(created.Key, created.Secret));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(long id, ApiKeys store, CancellationToken ct) =>
        await store.RevokeAsync(id, ct)
            ? TypedResults.NoContent()
            : TypedResults.Problem($"There is no API key {id}.", statusCode: StatusCodes.Status404NotFound, title: "Not found");

    private sealed record ApiKeyInput(string? Name, string? Role);

    /// <summary>The only time the secret is shown: store it now.</summary>
    private sealed record CreatedApiKeyDto(ApiKey Key, string Secret);
}
