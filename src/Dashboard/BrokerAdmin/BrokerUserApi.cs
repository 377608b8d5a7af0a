using System.Text.Json;
using Dashboard.Accounts;
using Dashboard.Broker.Auth;

namespace Dashboard.BrokerAdmin;

/// <summary>
/// <c>/api/broker-users</c> and <c>/api/broker-acl/anonymous</c>. Passwords go in, never out. Bad input gets a
/// 400 problem-details reply whose <c>errors</c> name the fields. Admins only, reading included: the list says who
/// may touch which topics.
/// </summary>
internal static class BrokerUserApi
{
    public static IEndpointRouteBuilder MapBrokerAdmin(this IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/api/broker-users").WithTags("Broker users").RequireAuthorization(DashboardPolicies.Admin);
        users.MapGet("/", (BrokerUserStore store) => store.Users().Select(BrokerUserDto.From));
        users.MapGet("/{name}", (string name, BrokerUserStore store) =>
            store.Find(name) is { } user ? Results.Ok(BrokerUserDto.From(user)) : NotFound(name));
        users.MapPost("/", async (HttpRequest request, BrokerUserStore store) =>
        {
            var (input, problem) = await ReadAsync<BrokerUserInput>(request);
            if (input is null)
            {
                return problem!;
            }

            var result = await store.CreateAsync(input);
            return result.User is { } user
                ? Results.Created($"/api/broker-users/{Uri.EscapeDataString(user.Name)}", BrokerUserDto.From(user))
                : Invalid(result.Errors);
        });
        users.MapPut("/{name}", async (string name, HttpRequest request, BrokerUserStore store) =>
        {
            var (input, problem) = await ReadAsync<BrokerUserInput>(request);
            if (input is null)
            {
                return problem!;
            }

            if (input.Name is not null && input.Name != name)
            {
                return Invalid(new Dictionary<string, string[]> { ["name"] = ["A user cannot be renamed: create a new one and delete this one."] });
            }

            var result = await store.UpdateAsync(name, input);
            return result.NotFound ? NotFound(name)
                : result.User is { } user ? Results.Ok(BrokerUserDto.From(user))
                : Invalid(result.Errors);
        });
        users.MapDelete("/{name}", async (string name, BrokerUserStore store) =>
            await store.DeleteAsync(name) ? Results.NoContent() : NotFound(name));

        var anonymous = app.MapGroup("/api/broker-acl/anonymous").WithTags("Broker users").RequireAuthorization(DashboardPolicies.Admin);
        anonymous.MapGet("/", (BrokerUserStore store) => new AnonymousAclDto(store.AllowAnonymous, [.. store.AnonymousAcl.Select(AclEntryDto.From)]));
        anonymous.MapPut("/", async (HttpRequest request, BrokerUserStore store) =>
        {
            var (input, problem) = await ReadAsync<AnonymousAclInput>(request);
            if (input is null)
            {
                return problem!;
            }

            var errors = await store.SetAnonymousAclAsync(input.Acl ?? []);
            return errors.Count > 0
                ? Invalid(new Dictionary<string, string[]> { ["acl"] = [.. errors] }, "The ACL is not valid.")
                : Results.Ok(new AnonymousAclDto(store.AllowAnonymous, [.. store.AnonymousAcl.Select(AclEntryDto.From)]));
        });
        return app;
    }

    private static IResult NotFound(string name) =>
        Results.Problem($"There is no broker user '{name}'.", statusCode: StatusCodes.Status404NotFound, title: "Not found");

    private static IResult Invalid(IReadOnlyDictionary<string, string[]> errors, string title = "The broker user is not valid.") =>
        Results.ValidationProblem(errors, title: title);

    private static async Task<(T? Input, IResult? Problem)> ReadAsync<T>(HttpRequest request)
        where T : class
    {
        if (!request.HasJsonContentType())
        {
            return (null, Results.Problem("Send JSON (Content-Type: application/json).",
                statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type"));
        }

        try
        {
            var input = await request.ReadFromJsonAsync<T>();
            return input is null
                ? (null, Invalid(new Dictionary<string, string[]> { ["body"] = ["Send a JSON object."] }))
                : (input, null);
        }
        catch (JsonException)
        {
            return (null, Invalid(new Dictionary<string, string[]>
            {
                ["body"] = ["The body is not valid: name and password are strings, acl a list of { \"filter\": ..., \"access\": \"read|write|readwrite|deny\" }."],
            }));
        }
    }
}

/// <summary>A user as the API returns it: never a password or its hash.</summary>
internal sealed record BrokerUserDto(string Name, IReadOnlyList<AclEntryDto> Acl, DateTime UpdatedAt)
{
    public static BrokerUserDto From(BrokerUser user) => new(user.Name, [.. user.Acl.Select(AclEntryDto.From)], user.UpdatedAt);
}

internal sealed record AclEntryDto(string Filter, string Access)
{
    public static AclEntryDto From(AclEntry entry) => new(entry.Filter, BrokerUserValidator.Format(entry.Access));
}

internal sealed record AnonymousAclDto(bool AllowAnonymous, IReadOnlyList<AclEntryDto> Acl);

internal sealed record AnonymousAclInput(IReadOnlyList<AclEntryInput>? Acl);
