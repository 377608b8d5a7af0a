using Dashboard.Devices;

namespace Dashboard.Live;

/// <summary>The live part of the HTTP API (docs/architecture.md): devices and the latest readings, JSON, camelCase, UTC times.</summary>
public static class LiveApi
{
    public sealed record MetricDto(string Metric, string Topic, double Value, string? Unit, DateTimeOffset Time);

    public sealed record DeviceDto(
        string Id, string Status, DateTimeOffset? LastSeen, DateTimeOffset? LastStatusChange, string? ClientId,
        string? RemoteAddress, string? ProtocolVersion, IReadOnlyList<MetricDto> Metrics);

    public sealed record ReadingDto(string Topic, string Metric, string DeviceId, double Value, string? Unit, DateTimeOffset Time);

    public static IEndpointRouteBuilder MapLiveApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Live");
        api.MapGet("/devices", (LiveState live) => TypedResults.Ok(live.Devices()
            .OrderBy(d => d.Id, StringComparer.Ordinal)
            .Select(d => new DeviceDto(
                d.Id, d.Status.ToWire(), d.LastSeen, d.LastStatusChange, d.ClientId, d.RemoteAddress, d.ProtocolVersion,
                [.. d.Metrics.Select(m => new MetricDto(m.Metric, m.Topic, m.Value, m.Unit, m.Time))]))));
        api.MapGet("/readings/latest", (LiveState live) => TypedResults.Ok(live.Latest()
            .OrderBy(r => r.Topic, StringComparer.Ordinal).ThenBy(r => r.Metric, StringComparer.Ordinal)
            .Select(r => new ReadingDto(r.Topic, r.Metric, r.DeviceId, r.Value, r.Unit, r.Time))));
        return app;
    }
}
