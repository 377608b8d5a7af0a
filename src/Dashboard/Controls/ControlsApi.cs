using System.Text.Json;
using Dashboard.Accounts;
using Dashboard.Broker.Tracking;
using Dashboard.Devices.Controls;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Dashboard.Controls;

/// <summary>
/// <c>GET/PATCH /api/devices/{id}/controls</c>, <c>POST /api/devices/{id}/commands</c>, <c>GET /api/commands/{id}</c>
/// (docs/architecture.md). A device id holds slashes, so these are catch-all routes ending in <c>/controls</c> or
/// <c>/commands</c>, asked before the device routes (<c>/api/devices/{**id}</c>).
/// </summary>
internal static class ControlsApi
{
    public sealed record ControlDto(
        string Id, string Name, string Kind, string CommandTopic, string Source, string? PayloadOn, string? PayloadOff, string? PayloadPress,
        double? Min, double? Max, double? Step, string? Unit, bool Slider, IReadOnlyList<string> Options, string? StateTopic, bool Confirmable,
        string? State, DateTimeOffset? StateTime, bool Hidden)
    {
        public static ControlDto From(DeviceControl shown)
        {
            var c = shown.Definition;
            var isSwitch = c.Kind == ControlKind.Switch;
            return new(c.Id, c.Name, Wire(c.Kind), c.CommandTopic, c.Source, isSwitch ? c.PayloadOn : null, isSwitch ? c.PayloadOff : null,
                c.Kind == ControlKind.Button ? c.PayloadPress : null, c.Min, c.Max, c.Step, c.Unit, c.Slider, c.Options, c.StateTopic,
                c.Kind != ControlKind.Button && c.StateTopic is not null, shown.State, shown.StateTime, shown.Hidden);
        }
    }

    public sealed record DeliveryDto(string ClientId, string State, int? Qos, DateTimeOffset Time);

    public sealed record CommandDto(
        string Id, string DeviceId, string Control, string Topic, string Payload, int Qos, string? Expected, string? StateTopic, string By,
        DateTimeOffset SentAt, bool Dispatched, IReadOnlyList<DeliveryDto> Deliveries, string Outcome, DateTimeOffset? ConfirmedAt,
        double? ConfirmedInMs, string? StateSeen, bool Finished, string Summary)
    {
        public static CommandDto From(CommandRoundTrip t) => new(t.Id, t.DeviceId, t.ControlId, t.Topic, t.Payload, t.Qos, t.Expected, t.StateTopic, t.By,
            t.SentAt, t.Dispatched, [.. t.Deliveries.Select(d => new DeliveryDto(d.ClientId, Wire(d.State), (int?)d.Qos, d.Time))], Wire(t.Outcome),
            t.ConfirmedAt, t.ConfirmedInMs, t.StateSeen, t.Finished, RoundTripWords.Summary(t));
    }

    public sealed record CommandInput(string? Control, JsonElement? Value);

    public static IEndpointRouteBuilder MapControlsApi(this IEndpointRouteBuilder app)
    {
        // Order -1: before /api/devices/{**id}, which would otherwise take "home/led/controls" for a device id.
        app.MapGet("/api/devices/{**path:regex(.+/controls$)}", GetControls).WithOrder(-1).WithTags("Controls");
        app.MapPatch("/api/devices/{**path:regex(.+/controls$)}", PatchControlAsync).WithOrder(-1).WithTags("Controls")
            .RequireAuthorization(DashboardPolicies.Admin);
        app.MapPost("/api/devices/{**path:regex(.+/commands$)}", SendAsync).WithOrder(-1).WithTags("Controls")
            .RequireAuthorization(DashboardPolicies.Admin);
        app.MapGet("/api/commands/{id}", (string id, CommandService commands) =>
            commands.Get(id) is { } trip ? (Results<Ok<CommandDto>, ProblemHttpResult>)TypedResults.Ok(CommandDto.From(trip))
                : TypedResults.Problem($"No command '{id}' is known (the last {nameof(ControlsOptions.MaxCommands)} are kept).", statusCode: 404, title: "Command not found"))
            .WithTags("Controls");
        return app;
    }

    private static Results<Ok<ControlDto[]>, ProblemHttpResult> GetControls(string path, bool? hidden, ControlCatalog catalog)
    {
        var id = DeviceId(path, "/controls");
        return catalog.For(id, includeHidden: hidden == true) is { } controls
            ? TypedResults.Ok(controls.Select(ControlDto.From).ToArray())
            : NoDevice(id);
    }

    private static async Task<Results<Accepted<CommandDto>, ValidationProblem, ProblemHttpResult>> SendAsync(
        string path, CommandInput input, ControlCatalog catalog, CommandService commands, HttpContext http, CancellationToken cancellationToken)
    {
        var id = DeviceId(path, "/commands");
        if (catalog.For(id, includeHidden: true) is not { } controls)
        {
            return NoDevice(id);
        }

        if (string.IsNullOrEmpty(input.Control) || controls.FirstOrDefault(c => c.Definition.Id == input.Control) is not { } control)
        {
            return Invalid("control", string.IsNullOrEmpty(input.Control) ? "A control id is needed (GET …/controls lists them)."
                : $"Device '{id}' has no control '{input.Control}'.");
        }

        var (command, error) = ControlCommand.For(control.Definition, Text(input.Value));
        if (command is null)
        {
            return Invalid("value", error!);
        }

        var trip = await commands.SendAsync(id, control.Definition, command, PublishChecks.Publisher(http.User), cancellationToken);
        return TypedResults.Accepted($"/api/commands/{trip.Id}", CommandDto.From(trip));
    }

    private static async Task<Results<Ok<ControlDto>, ValidationProblem, ProblemHttpResult>> PatchControlAsync(
        string path, ControlPatch input, ControlCatalog catalog, ControlOverrides overrides, CancellationToken cancellationToken)
    {
        var id = DeviceId(path, "/controls");
        if (catalog.For(id) is null)
        {
            return NoDevice(id);
        }

        if (string.IsNullOrEmpty(input.Control) || catalog.Find(id, input.Control) is null)
        {
            return Invalid("control", $"Device '{id}' has no control '{input.Control}'.");
        }

        var (change, errors) = input.ToOverride();
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The control's settings are not valid.");
        }

        await overrides.SetAsync(id, input.Control, change, cancellationToken);
        return TypedResults.Ok(ControlDto.From(catalog.Find(id, input.Control)!));
    }

    /// <summary>The device id before the route's last level, as it is or escaped (<c>home%2Fled</c>).</summary>
    private static string DeviceId(string path, string suffix) => Uri.UnescapeDataString(path[..^suffix.Length]);

    private static string? Text(JsonElement? value) => value switch
    {
        { ValueKind: JsonValueKind.String } text => text.GetString(),
        { ValueKind: JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False } other => other.GetRawText(),
        _ => null,
    };

    internal static string Wire<T>(T value) where T : struct, Enum
    {
        var name = value.ToString();
        return string.Concat(name.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "-" : "") + char.ToLowerInvariant(c) : c.ToString()));
    }

    internal static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "The request is not valid.");

    private static ProblemHttpResult NoDevice(string id) =>
        TypedResults.Problem($"No device '{id}' is known.", statusCode: StatusCodes.Status404NotFound, title: "Device not found");
}
