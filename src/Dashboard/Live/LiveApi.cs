using Dashboard.Devices;

namespace Dashboard.Live;

/// <summary>The live part of the HTTP API (docs/architecture.md): devices and the latest readings, JSON, camelCase, UTC times.</summary>
public static class LiveApi
{
    /// <summary>A metric of a device; <paramref name="Name"/> is the admin's name for it, <paramref name="Unit"/> the admin's unit if set.</summary>
    public sealed record MetricDto(string Metric, string Name, string Topic, double Value, string? Unit, string? State, DateTimeOffset Time);

    /// <summary>
    /// A device: <paramref name="Name"/> is the admin's name or the id; <paramref name="Cause"/> why it has its status (a
    /// word, e.g. <c>will</c>), <paramref name="StatusDetail"/> the same in words.
    /// </summary>
    public sealed record DeviceDto(
        string Id, string Name, string? Group, bool Hidden, string Status, string? Cause, string? StatusDetail, string? StatusTopic,
        DateTimeOffset FirstSeen, DateTimeOffset? LastSeen, DateTimeOffset? LastStatusChange, int? ExpectedEverySeconds,
        string? ClientId, bool ClientConnected, string? RemoteAddress, string? ProtocolVersion, IReadOnlyList<MetricDto> Metrics);

    public sealed record ReadingDto(string Topic, string Metric, string DeviceId, double Value, string? Unit, DateTimeOffset Time);

    public static IEndpointRouteBuilder MapLiveApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Live");
        api.MapGet("/devices", (LiveState live) => TypedResults.Ok(live.Devices().OrderBy(d => d.Id, StringComparer.Ordinal).Select(ToDto)));
        api.MapGet("/readings/latest", (LiveState live) => TypedResults.Ok(live.Latest()
            .OrderBy(r => r.Topic, StringComparer.Ordinal).ThenBy(r => r.Metric, StringComparer.Ordinal)
            .Select(r => new ReadingDto(r.Topic, r.Metric, r.DeviceId, r.Value, r.Unit, r.Time))));
        return app;
    }

    public static DeviceDto ToDto(DeviceSnapshot d) => new(
        d.Id, d.Name, d.Settings.Group, d.Settings.Hidden, d.Status.ToWire(), d.Cause?.ToWire(), d.StatusSource, d.StatusTopic,
        d.FirstSeen, d.LastSeen, d.LastStatusChange, d.Settings.ExpectedEvery is { } every ? (int)every.TotalSeconds : null,
        d.ClientId, d.ClientConnected, d.RemoteAddress, d.ProtocolVersion,
        [.. d.Metrics.Select(m => new MetricDto(m.Metric, m.Label, m.Topic, m.Value, m.Unit, m.State, m.Time))]);
}
