using System.Text.Json;
using Dashboard.Accounts;
using Dashboard.Devices;
using Dashboard.Live;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Dashboard.Registry;

/// <summary>
/// <c>GET/PATCH/DELETE /api/devices/{id}</c> (docs/architecture.md): one device with its settings and presence timeline; an
/// admin's changes; forgetting it. A device id may hold slashes, written as they are or as <c>%2F</c>.
/// </summary>
internal static class DeviceApi
{
    public sealed record PresenceChangeDto(DateTimeOffset Time, string Status, string Cause, string Detail);

    public sealed record PresenceDto(double? Uptime24h, double? Uptime7d, bool Flapping, int ChangesLastHour, IReadOnlyList<PresenceChangeDto> Changes);

    public sealed record DeviceDetailDto(LiveApi.DeviceDto Device, PresenceDto Presence);

    public sealed record ForgetDto(string Id, int ReadingsDeleted, string? RetainedCleared);

    /// <summary>Changes the detail lists, newest first.</summary>
    private const int MaxChanges = 100;

    public static IEndpointRouteBuilder MapDeviceApi(this IEndpointRouteBuilder app)
    {
        var devices = app.MapGroup("/api/devices").WithTags("Devices");
        devices.MapGet("/{**id}", GetAsync);
        devices.MapPatch("/{**id}", PatchAsync).RequireAuthorization(DashboardPolicies.Admin);
        devices.MapDelete("/{**id}", ForgetAsync).RequireAuthorization(DashboardPolicies.Admin);
        return app;
    }

    private static async Task<Results<Ok<DeviceDetailDto>, ProblemHttpResult>> GetAsync(
        string id, LiveState live, DeviceRegistry registry, TimeProvider clock, CancellationToken cancellationToken)
    {
        id = Uri.UnescapeDataString(id);
        if (live.Device(id) is not { } device)
        {
            return NoDevice(id);
        }

        var changes = await registry.PresenceAsync(id, cancellationToken);
        var summary = PresenceSummary.Of(changes, clock.GetUtcNow());
        var presence = new PresenceDto(summary.Uptime24h, summary.Uptime7d, summary.Flapping, summary.ChangesLastHour,
            [.. changes.Reverse().Take(MaxChanges).Select(c => new PresenceChangeDto(c.Time, c.Status.ToWire(), c.Cause.ToWire(), c.Detail))]);
        return TypedResults.Ok(new DeviceDetailDto(LiveApi.ToDto(device), presence));
    }

    private static async Task<Results<Ok<LiveApi.DeviceDto>, ValidationProblem, ProblemHttpResult>> PatchAsync(
        string id, HttpRequest request, LiveState live, DeviceRegistry registry, CancellationToken cancellationToken)
    {
        id = Uri.UnescapeDataString(id);
        if (live.Device(id) is not { } device)
        {
            return NoDevice(id);
        }

        JsonElement body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<JsonElement>(request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException ex)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [""] = [$"The body is not valid JSON: {ex.Message}"] },
                title: "The device's settings are not valid.");
        }

        var input = DeviceSettingsInput.From(device.Settings);
        var errors = input.Patch(body);
        var (settings, invalid) = errors.Count == 0 ? input.Validate() : (null, errors);
        if (settings is null)
        {
            return TypedResults.ValidationProblem(invalid, title: "The device's settings are not valid.");
        }

        return await registry.ConfigureAsync(id, settings, cancellationToken) && live.Device(id) is { } changed
            ? TypedResults.Ok(LiveApi.ToDto(changed))
            : NoDevice(id);
    }

    /// <summary><c>?history=true</c> deletes its stored readings too; <c>?retained=true</c> clears the retained message on its status topic.</summary>
    private static async Task<Results<Ok<ForgetDto>, ProblemHttpResult>> ForgetAsync(
        string id, bool? history, bool? retained, DeviceRegistry registry, CancellationToken cancellationToken)
    {
        id = Uri.UnescapeDataString(id);
        return await registry.ForgetAsync(id, history == true, retained == true, cancellationToken) is { } result
            ? TypedResults.Ok(new ForgetDto(result.DeviceId, result.ReadingsDeleted, result.RetainedCleared))
            : NoDevice(id);
    }

    private static ProblemHttpResult NoDevice(string id) =>
        TypedResults.Problem($"No device '{id}' is known.", statusCode: StatusCodes.Status404NotFound, title: "Device not found");
}
