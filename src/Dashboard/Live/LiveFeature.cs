using Dashboard.Ingestion;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Dashboard.Live;

public static class LiveFeature
{
    /// <summary>Live state fed by ingestion, its change feed, and the telemetry hub.</summary>
    public static IHostApplicationBuilder AddLive(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<LiveOptions>().BindConfiguration(LiveOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<LiveFeed>();
        services.AddSingleton<LiveState>();
        services.AddSingleton<IBrokerEventSink>(s => s.GetRequiredService<LiveState>());
        services.AddSignalR();
        services.AddSingleton<TelemetryHubConnections>();
        services.AddHostedService<TelemetryBroadcaster>();
        return builder;
    }

    public static IEndpointRouteBuilder MapLive(this IEndpointRouteBuilder app)
    {
        app.MapHub<TelemetryHub>("/hubs/telemetry");
        return app.MapLiveApi();
    }
}
