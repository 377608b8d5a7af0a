using System.Text.Json;
using Dashboard.Accounts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Dashboard.Alerts.Notifications;

/// <summary>
/// A channel in the API: its settings, which secrets are set (<c>{"password": "set"}</c>, never their values), the rules
/// that use it and how its deliveries went.
/// </summary>
public sealed record ChannelDto(
    long Id, string Name, string Kind, bool Enabled, JsonElement Settings, IReadOnlyDictionary<string, string> Secrets,
    IReadOnlyList<long> Rules, ChannelStatus Status, DateTimeOffset UpdatedAt)
{
    public static ChannelDto From(NotificationChannel channel, ChannelStatus status, IEnumerable<AlertRule> rules) => new(
        channel.Id, channel.Name, ChannelKinds.Name(channel.Kind), channel.Enabled,
        JsonSerializer.SerializeToElement(channel.Settings, NotificationChannels.SettingsJson),
        channel.Secrets.Set.ToDictionary(name => name, _ => "set"),
        [.. rules.Where(r => r.Channels.Contains(channel.Id)).Select(r => r.Id).Order()],
        status, channel.UpdatedAt);
}

/// <summary><c>/api/notification-channels</c>, for admins only (reading too: URLs and addresses are the admins' business).</summary>
internal static class NotificationChannelApi
{
    private static readonly JsonSerializerOptions InputJson = new(JsonSerializerDefaults.Web) { AllowDuplicateProperties = false };

    public static IEndpointRouteBuilder MapNotificationChannelApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/notification-channels").WithTags("Alerts").RequireAuthorization(DashboardPolicies.Admin);
        group.MapGet("/", (NotificationChannels channels, AlertEngine engine) =>
            TypedResults.Ok(channels.List().Select(c => ChannelDto.From(c, channels.Status(c.Id), engine.Rules()))));
        group.MapGet("/{id:long}", Get);
        group.MapPost("/", CreateAsync);
        group.MapPut("/{id:long}", UpdateAsync);
        group.MapDelete("/{id:long}", async Task<Results<NoContent, ProblemHttpResult>> (long id, NotificationChannels channels) =>
            await channels.DeleteAsync(id) ? TypedResults.NoContent() : NoChannel(id));
        group.MapPost("/{id:long}/test", TestAsync);
        return app;
    }

    private static Results<Ok<ChannelDto>, ProblemHttpResult> Get(long id, NotificationChannels channels, AlertEngine engine) =>
        channels.Find(id) is { } channel ? TypedResults.Ok(ChannelDto.From(channel, channels.Status(id), engine.Rules())) : NoChannel(id);

    private static async Task<Results<Created<ChannelDto>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        HttpRequest request, NotificationChannels channels, AlertEngine engine)
    {
        var (input, problem) = await ReadAsync(request);
        if (input is null)
        {
            return problem!;
        }

        var result = await channels.CreateAsync(input);
        return result.Channel is { } channel
            ? TypedResults.Created($"/api/notification-channels/{channel.Id}", ChannelDto.From(channel, channels.Status(channel.Id), engine.Rules()))
            : Invalid(result.Errors);
    }

    private static async Task<Results<Ok<ChannelDto>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        long id, HttpRequest request, NotificationChannels channels, AlertEngine engine)
    {
        var (input, problem) = await ReadAsync(request);
        if (input is null)
        {
            return problem!;
        }

        var result = await channels.UpdateAsync(id, input);
        return result.NotFound ? NoChannel(id)
            : result.Channel is { } channel ? TypedResults.Ok(ChannelDto.From(channel, channels.Status(id), engine.Rules()))
            : Invalid(result.Errors);
    }

    /// <summary>Sends a test message now; 200 with <c>ok</c> false and the receiver's error when it failed (the request itself worked).</summary>
    private static async Task<Results<Ok<ChannelTestResult>, ProblemHttpResult>> TestAsync(
        long id, NotificationChannels channels, NotificationDelivery delivery, CancellationToken cancellationToken) =>
        channels.Find(id) is { } channel ? TypedResults.Ok(await delivery.TestAsync(channel, cancellationToken)) : NoChannel(id);

    private static ProblemHttpResult NoChannel(long id) =>
        TypedResults.Problem($"There is no notification channel {id}.", statusCode: StatusCodes.Status404NotFound, title: "Not found");

    private static ValidationProblem Invalid(IReadOnlyDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, title: "The notification channel is not valid.");

    private static ProblemHttpResult BadBody(string field, string message) =>
        TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
        {
            Title = "The notification channel is not valid.",
            Status = StatusCodes.Status400BadRequest,
        });

    /// <summary>The body as a channel, or a 400/415 naming what is wrong with it.</summary>
    private static async Task<(ChannelInput? Input, ProblemHttpResult? Problem)> ReadAsync(HttpRequest request)
    {
        if (!request.HasJsonContentType())
        {
            return (null, TypedResults.Problem("Send the channel as JSON (Content-Type: application/json).",
                statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type"));
        }

        try
        {
            var input = await request.ReadFromJsonAsync<ChannelInput>(InputJson);
            return input is null ? (null, BadBody("body", "Send the channel as a JSON object.")) : (input, null);
        }
        catch (BadHttpRequestException ex)
        {
            return (null, TypedResults.Problem(ex.Message, statusCode: ex.StatusCode, title: "The request was refused"));
        }
        catch (JsonException ex)
        {
            // The path names the field (settings.port); the message never repeats the value, which may be a secret.
            var field = ex.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : "body";
            var message = ex.Message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase)
                ? $"{field} is given more than once."
                : field == "body" ? "The body is not valid JSON." : $"Not a valid value for {field}.";
            return (null, BadBody(field, message));
        }
    }
}
