using Dashboard.Ingestion;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Dashboard.Controls;

public static class ControlsFeature
{
    /// <summary>Devices' controls (discovery, firmware conventions, their own subscriptions), commands with their round trip, and publish for scripts.</summary>
    public static IHostApplicationBuilder AddControls(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ControlsOptions>().BindConfiguration(ControlsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<DiscoveredControls>();
        services.AddSingleton<IBrokerEventSink>(s => s.GetRequiredService<DiscoveredControls>());
        services.AddSingleton<ControlOverrides>();
        services.AddHostedService<ControlOverridesLoader>();
        services.AddSingleton<ControlCatalog>();
        services.AddSingleton<CommandService>();
        return builder;
    }

    public static IEndpointRouteBuilder MapControls(this IEndpointRouteBuilder app) => app.MapControlsApi().MapPublishApi();
}
