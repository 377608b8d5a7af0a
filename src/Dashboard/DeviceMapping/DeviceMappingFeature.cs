using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Dashboard.DeviceMapping;

public static class DeviceMappingFeature
{
    /// <summary>The mapping rules edited in Settings: stored in the database, loaded at start, handed to ingestion on every change.</summary>
    public static IHostApplicationBuilder AddDeviceMapping(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<DeviceMappingService>();
        builder.Services.AddHostedService<DeviceMappingLoader>();
        return builder;
    }

    public static IEndpointRouteBuilder MapDeviceMapping(this IEndpointRouteBuilder app) => app.MapDeviceMappingApi();
}
