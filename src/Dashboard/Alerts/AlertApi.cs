using System.Text.Json;
using System.Text.Json.Serialization;
using Dashboard.Accounts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Dashboard.Alerts;

/// <summary>
/// <c>/api/alert-rules</c> and <c>/api/alerts</c> (docs/architecture.md). Bad input gets a 400 problem-details reply whose
/// <c>errors</c> name the fields, with the same messages the rule form shows.
/// </summary>
internal static class AlertApi
{
    // Numbers may come as strings, and "NaN" or "Infinity" are read so the validator can say why they are refused.
    private static readonly JsonSerializerOptions InputJson = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.AllowNamedFloatingPointLiterals,
        AllowDuplicateProperties = false, // {"threshold": 1, "threshold": 99} is refused, not read as whichever came last
    };

    private static readonly string[] NumberFields = ["threshold", "low", "high", "hysteresis", "forSeconds"];

    public static IEndpointRouteBuilder MapAlertApi(this IEndpointRouteBuilder app)
    {
        var rules = app.MapGroup("/api/alert-rules").WithTags("Alerts");
        rules.MapGet("/", (AlertService alerts) => TypedResults.Ok(alerts.Rules().Select(AlertRuleDto.From)));
        rules.MapGet("/{id:long}", GetRule);
        rules.MapPost("/", CreateRuleAsync).RequireAuthorization(DashboardPolicies.Admin);
        rules.MapPut("/{id:long}", UpdateRuleAsync).RequireAuthorization(DashboardPolicies.Admin);
        rules.MapDelete("/{id:long}", DeleteRuleAsync).RequireAuthorization(DashboardPolicies.Admin);

        var alertsApi = app.MapGroup("/api/alerts").WithTags("Alerts");
        alertsApi.MapGet("/", ListAlertsAsync);
        alertsApi.MapGet("/{id:long}", GetAlertAsync);
        alertsApi.MapPost("/{id:long}/ack", AcknowledgeAsync).RequireAuthorization(DashboardPolicies.Admin);
        return app;
    }

    private static Results<Ok<AlertRuleDto>, ProblemHttpResult> GetRule(long id, AlertService alerts) =>
        alerts.Rule(id) is { } rule ? TypedResults.Ok(AlertRuleDto.From(rule)) : NoRule(id);

    private static async Task<Results<Created<AlertRuleDto>, ValidationProblem, ProblemHttpResult>> CreateRuleAsync(HttpRequest request, AlertService alerts)
    {
        var (input, problem) = await ReadAsync(request);
        if (input is null)
        {
            return problem!;
        }

        var result = await alerts.CreateAsync(input);
        return result.Rule is { } rule
            ? TypedResults.Created($"/api/alert-rules/{rule.Id}", AlertRuleDto.From(rule))
            : Invalid(result.Errors);
    }

    private static async Task<Results<Ok<AlertRuleDto>, ValidationProblem, ProblemHttpResult>> UpdateRuleAsync(long id, HttpRequest request, AlertService alerts)
    {
        var (input, problem) = await ReadAsync(request);
        if (input is null)
        {
            return problem!;
        }

        var result = await alerts.UpdateAsync(id, input);
        return result.NotFound ? NoRule(id)
            : result.Rule is { } rule ? TypedResults.Ok(AlertRuleDto.From(rule))
            : Invalid(result.Errors);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteRuleAsync(long id, AlertService alerts) =>
        await alerts.DeleteAsync(id) ? TypedResults.NoContent() : NoRule(id);

    /// <summary>
    /// A page of alerts: <c>?state=&amp;rule=&amp;page=&amp;limit=</c> (page 1 first; limit 1–1000, 100 by default), with
    /// the total and the overflows ("and N more series") of the rules concerned.
    /// </summary>
    private static async Task<Results<Ok<AlertPageDto>, ValidationProblem>> ListAlertsAsync(
        string? state, long? rule, int? page, int? limit, AlertService alerts, CancellationToken cancellationToken)
    {
        if (!TryParseState(state, out var wanted))
        {
            return Invalid(new Dictionary<string, string[]> { ["state"] = [$"Unknown state '{state}': use active, acknowledged or cleared."] },
                "The query is not valid.");
        }

        if (page is < 1 or > AlertService.MaxPage)
        {
            return Invalid(new Dictionary<string, string[]> { ["page"] = [$"Pages are numbered from 1 to {AlertService.MaxPage}."] },
                "The query is not valid.");
        }

        var result = await alerts.PageAsync(wanted, rule, page ?? 1, limit ?? AlertService.DefaultLimit, cancellationToken);
        return TypedResults.Ok(new AlertPageDto([.. result.Items.Select(AlertDto.From)], result.Total, result.Page, result.Limit,
            [.. result.Overflow.Select(AlertOverflowDto.From)]));
    }

    private static async Task<Results<Ok<AlertDto>, ProblemHttpResult>> GetAlertAsync(long id, AlertService alerts) =>
        await alerts.FindAsync(id) is { } alert ? TypedResults.Ok(AlertDto.From(alert)) : NoAlert(id);

    private static async Task<Results<Ok<AlertDto>, ProblemHttpResult>> AcknowledgeAsync(long id, AlertService alerts, System.Security.Claims.ClaimsPrincipal user)
    {
        if (alerts.Acknowledge(id, user.Identity?.Name) is { } acknowledged)
        {
            return TypedResults.Ok(AlertDto.From(acknowledged));
        }

        return await alerts.FindAsync(id) is { } cleared
            ? TypedResults.Problem($"Alert {id} has already cleared.", statusCode: StatusCodes.Status409Conflict, title: "Alert already cleared",
                extensions: new Dictionary<string, object?> { ["alert"] = AlertDto.From(cleared) })
            : NoAlert(id);
    }

    private static bool TryParseState(string? text, out AlertState? state)
    {
        state = text?.Trim().ToLowerInvariant() switch
        {
            "active" => AlertState.Active,
            "acknowledged" => AlertState.Acknowledged,
            "cleared" => AlertState.Cleared,
            _ => null,
        };
        return state is not null || string.IsNullOrWhiteSpace(text);
    }

    private static ProblemHttpResult NoRule(long id) => NotFound($"There is no alert rule {id}.");

    private static ProblemHttpResult NoAlert(long id) => NotFound($"There is no alert {id}.");

    private static ProblemHttpResult NotFound(string detail) => TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    private static ValidationProblem Invalid(IReadOnlyDictionary<string, string[]> errors, string title = "The alert rule is not valid.") =>
        TypedResults.ValidationProblem(errors, title: title);

    /// <summary>A 400 whose body is the same validation problem <see cref="Invalid"/> writes.</summary>
    private static ProblemHttpResult BadBody(string field, string message) =>
        TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
        {
            Title = "The alert rule is not valid.",
            Status = StatusCodes.Status400BadRequest,
        });

    /// <summary>The body as a rule, or a 400/415 naming what is wrong with it.</summary>
    private static async Task<(AlertRuleInput? Input, ProblemHttpResult? Problem)> ReadAsync(HttpRequest request)
    {
        if (!request.HasJsonContentType())
        {
            return (null, TypedResults.Problem("Send the rule as JSON (Content-Type: application/json).",
                statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type"));
        }

        try
        {
            var input = await request.ReadFromJsonAsync<AlertRuleInput>(InputJson);
            return input is null
                ? (null, BadBody("body", "Send the rule as a JSON object."))
                : (input, null);
        }
        catch (BadHttpRequestException ex)
        {
            return (null, TypedResults.Problem(ex.Message, statusCode: ex.StatusCode, title: "The request was refused"));
        }
        catch (JsonException ex) when (ex.Message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase))
        {
            var field = FieldOf(ex.Path);
            return (null, BadBody(field, $"{field} is given more than once."));
        }
        catch (JsonException ex)
        {
            var field = FieldOf(ex.Path);
            var expected = NumberFields.Contains(field) ? "a number" : field == "enabled" ? "true or false" : field == "body" ? "a JSON object" : "a string";
            var message = field == "body" ? "The body is not valid JSON." : $"Not a valid value here: {field} is {expected}.";
            return (null, BadBody(field, message));
        }
    }

    /// <summary><c>$.threshold</c> → <c>threshold</c>; anything else is the body as a whole.</summary>
    private static string FieldOf(string? path)
    {
        if (path is null || !path.StartsWith("$.", StringComparison.Ordinal))
        {
            return "body";
        }

        var name = path[2..];
        var end = name.IndexOfAny(['.', '[']);
        name = end >= 0 ? name[..end] : name;
        return name.Length == 0 ? "body" : JsonNamingPolicy.CamelCase.ConvertName(name);
    }
}
