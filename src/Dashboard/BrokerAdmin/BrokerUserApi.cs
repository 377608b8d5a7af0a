using System.Text.Json;
using Dashboard.Accounts;
using Dashboard.Broker.Auth;
using Dashboard.Broker.External;
using Microsoft.AspNetCore.Http.HttpResults;

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
        var users = app.MapGroup("/api/broker-users").WithTags("Broker users").RequireAuthorization(DashboardPolicies.Admin)
            .RequireEmbeddedBroker();
        users.MapGet("/", (BrokerUserStore store) => TypedResults.Ok(store.Users().Select(BrokerUserDto.From)));
        users.MapGet("/{name}", GetUser);
        users.MapPost("/", CreateUserAsync);
        users.MapPut("/{name}", UpdateUserAsync);
        users.MapDelete("/{name}", DeleteUserAsync);
        users.MapPost("/import/mosquitto", ImportMosquittoAsync);

        var anonymous = app.MapGroup("/api/broker-acl/anonymous").WithTags("Broker users").RequireAuthorization(DashboardPolicies.Admin)
            .RequireEmbeddedBroker();
        anonymous.MapGet("/", (BrokerUserStore store) => TypedResults.Ok(AnonymousAcl(store)));
        anonymous.MapPut("/", SetAnonymousAclAsync);
        return app;
    }

    private static Results<Ok<BrokerUserDto>, ProblemHttpResult> GetUser(string name, BrokerUserStore store) =>
        store.Find(name) is { } user ? TypedResults.Ok(BrokerUserDto.From(user)) : NotFound(name);

    private static async Task<Results<Created<BrokerUserDto>, ValidationProblem, ProblemHttpResult>> CreateUserAsync(HttpRequest request, BrokerUserStore store)
    {
        var (input, problem) = await ReadAsync<BrokerUserInput>(request);
        if (input is null)
        {
            return problem!;
        }

        var result = await store.CreateAsync(input);
        return result.User is { } user
            ? TypedResults.Created($"/api/broker-users/{Uri.EscapeDataString(user.Name)}", BrokerUserDto.From(user))
            : Invalid(result.Errors);
    }

    private static async Task<Results<Ok<BrokerUserDto>, ValidationProblem, ProblemHttpResult>> UpdateUserAsync(
        string name, HttpRequest request, BrokerUserStore store)
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
            : result.User is { } user ? TypedResults.Ok(BrokerUserDto.From(user))
            : Invalid(result.Errors);
    }

    /// <summary>
    /// Mosquitto's files as a form: <c>passwords</c> (its password_file) and, optionally, <c>acl</c> (its acl_file), as files
    /// or fields: <c>curl -F passwords=@/etc/mosquitto/passwd -F acl=@/etc/mosquitto/acl</c>.
    /// </summary>
    private static async Task<Results<Ok<MosquittoImportDto>, ValidationProblem, ProblemHttpResult>> ImportMosquittoAsync(HttpRequest request, BrokerUserStore store)
    {
        if (!request.HasFormContentType)
        {
            return TypedResults.Problem("Send a form (multipart/form-data) with the file \"passwords\" and, if you have one, \"acl\".",
                statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type");
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync();
        }
        catch (Exception ex) when (ex is InvalidDataException or BadHttpRequestException or IOException)
        {
            return TypedResults.Problem($"The form cannot be read: {ex.Message}", statusCode: StatusCodes.Status400BadRequest, title: "The files cannot be imported.");
        }

        var (passwords, passwordsError) = await TextOfAsync(form, "passwords");
        var (acl, aclError) = await TextOfAsync(form, "acl");
        var errors = new Dictionary<string, string[]>();
        if ((passwordsError ?? (passwords is null ? "Send Mosquitto's password_file as \"passwords\"." : null)) is { } error)
        {
            errors["passwords"] = [error];
        }

        if (aclError is not null)
        {
            errors["acl"] = [aclError];
        }

        if (errors.Count > 0)
        {
            return Invalid(errors, "The files cannot be imported.");
        }

        var result = await store.ImportMosquittoAsync(passwords!, acl);
        return TypedResults.Ok(new MosquittoImportDto(result.Created, result.Skipped, result.AnonymousAcl?.Select(AclEntryDto.From).ToList()));
    }

    /// <summary>A form file's or field's text; files larger than Mosquitto's files ever are are refused.</summary>
    private static async Task<(string? Text, string? Error)> TextOfAsync(IFormCollection form, string name)
    {
        const int MaxLength = 1024 * 1024;
        if (form.Files.GetFile(name) is { } file)
        {
            if (file.Length > MaxLength)
            {
                return (null, $"At most {MaxLength / 1024} KiB.");
            }

            using var reader = new StreamReader(file.OpenReadStream());
            return (await reader.ReadToEndAsync(), null);
        }

        return form.TryGetValue(name, out var field) && field.ToString() is { Length: > 0 } text
            ? text.Length > MaxLength ? (null, $"At most {MaxLength / 1024} KiB.") : (text, null)
            : (null, null);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteUserAsync(string name, BrokerUserStore store) =>
        await store.DeleteAsync(name) ? TypedResults.NoContent() : NotFound(name);

    private static async Task<Results<Ok<AnonymousAclDto>, ValidationProblem, ProblemHttpResult>> SetAnonymousAclAsync(
        HttpRequest request, BrokerUserStore store)
    {
        var (input, problem) = await ReadAsync<AnonymousAclInput>(request);
        if (input is null)
        {
            return problem!;
        }

        var errors = await store.SetAnonymousAclAsync(input.Acl ?? []);
        return errors.Count > 0
            ? Invalid(new Dictionary<string, string[]> { ["acl"] = [.. errors] }, "The ACL is not valid.")
            : TypedResults.Ok(AnonymousAcl(store));
    }

    private static AnonymousAclDto AnonymousAcl(BrokerUserStore store) =>
        new(store.AllowAnonymous, [.. store.AnonymousAcl.Select(AclEntryDto.From)]);

    private static ProblemHttpResult NotFound(string name) =>
        TypedResults.Problem($"There is no broker user '{name}'.", statusCode: StatusCodes.Status404NotFound, title: "Not found");

    private static ValidationProblem Invalid(IReadOnlyDictionary<string, string[]> errors, string title = "The broker user is not valid.") =>
        TypedResults.ValidationProblem(errors, title: title);

    /// <summary>A 400 whose body is the same validation problem <see cref="Invalid"/> writes.</summary>
    private static ProblemHttpResult BadBody(string message) =>
        TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { ["body"] = [message] })
        {
            Title = "The broker user is not valid.",
            Status = StatusCodes.Status400BadRequest,
        });

    private static async Task<(T? Input, ProblemHttpResult? Problem)> ReadAsync<T>(HttpRequest request)
        where T : class
    {
        if (!request.HasJsonContentType())
        {
            return (null, TypedResults.Problem("Send JSON (Content-Type: application/json).",
                statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type"));
        }

        try
        {
            var input = await request.ReadFromJsonAsync<T>();
            return input is null
                ? (null, BadBody("Send a JSON object."))
                : (input, null);
        }
        catch (BadHttpRequestException ex)
        {
            return (null, TypedResults.Problem(ex.Message, statusCode: ex.StatusCode, title: "The request was refused"));
        }
        catch (JsonException ex) when (ex.Message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase))
        {
            return (null, BadBody("A field is given more than once."));
        }
        catch (JsonException)
        {
            return (null, BadBody("The body is not valid: name and password are strings, acl a list of { \"filter\": ..., \"access\": \"read|write|readwrite|deny\" }."));
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

/// <summary>An import's outcome: the users made, the lines left out and why, and the anonymous clients' ACL when an ACL file set it.</summary>
internal sealed record MosquittoImportDto(IReadOnlyList<string> Created, IReadOnlyList<string> Skipped, IReadOnlyList<AclEntryDto>? AnonymousAcl);

internal sealed record AnonymousAclDto(bool AllowAnonymous, IReadOnlyList<AclEntryDto> Acl);

internal sealed record AnonymousAclInput(IReadOnlyList<AclEntryInput>? Acl);
