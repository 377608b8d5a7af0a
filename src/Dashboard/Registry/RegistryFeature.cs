namespace Dashboard.Registry;

public static class RegistryFeature
{
    /// <summary>The persisted device registry: restored into live state at start, written from it in batches; its API.</summary>
    public static IHostApplicationBuilder AddRegistry(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<RegistryOptions>().BindConfiguration(RegistryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<DeviceRegistry>();
        services.AddHostedService<DeviceRegistryHost>();
        return builder;
    }

    public static IEndpointRouteBuilder MapRegistry(this IEndpointRouteBuilder app) => app.MapDeviceApi();
}
