using System.Security.Claims;

namespace Dashboard.Accounts;

/// <summary><c>/api/api-keys</c> (admins): list, create (the secret is in the reply, once), revoke.</summary>
internal static class ApiKeyApi
{
    public static IEndpointRouteBuilder MapApiKeyApi(this IEndpointRouteBuilder app)
    {
        var keys = app.MapGroup("/api/api-keys").WithTags("API keys").RequireAuthorization(DashboardPolicies.Admin);
        keys.MapGet("/", (ApiKeys store, CancellationToken ct) => store.ListAsync(ct));
        keys.MapPost("/", async (ApiKeyInput input, ApiKeys store, ClaimsPrincipal user, CancellationToken ct) =>
        {
            var (created, error) = await store.CreateAsync(input.Name, input.Role, user.Identity?.Name ?? "?", ct);
            return created is null
                ? Results.ValidationProblem(new Dictionary<string, string[]> { ["key"] = [error!] }, title: "The API key is not valid.")
                : Results.Created($"/api/api-keys/{created.Key.Id}", new CreatedApiKeyDto(created.Key, created.Secret));
        });
        keys.MapDelete("/{id:long}", async (long id, ApiKeys store, CancellationToken ct) =>
            await store.RevokeAsync(id, ct)
                ? Results.NoContent()
                : Results.Problem($"There is no API key {id}.", statusCode: StatusCodes.Status404NotFound, title: "Not found"));
        return app;
    }

    private sealed record ApiKeyInput(string? Name, string? Role);

    /// <summary>The only time the secret is shown: store it now.</summary>
    private sealed record CreatedApiKeyDto(ApiKey Key, string Secret);
}
