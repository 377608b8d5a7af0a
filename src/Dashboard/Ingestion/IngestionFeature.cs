using Dashboard.Broker.Events;
using Dashboard.Devices;
using Dashboard.Devices.Conventions;
using Microsoft.Extensions.Options;

namespace Dashboard.Ingestion;

public static class IngestionFeature
{
    /// <summary>Reads the broker's events (its bounded channel, sized here) on one background service and hands each to every sink.</summary>
    public static IHostApplicationBuilder AddIngestion(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<IngestionOptions>().BindConfiguration(IngestionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<BrokerEventChannelOptions>().Configure<IOptions<IngestionOptions>>((channel, ingestion) =>
            channel.Capacity = ingestion.Value.ChannelCapacity);
        services.AddOptions<DevicesOptions>().Configure<IConfiguration>((options, config) =>
        {
            // The binder appends to a list it finds filled, so a configured list would add to the defaults, not replace them.
            var section = config.GetSection(DevicesOptions.Section);
            if (section.GetSection(nameof(options.StatusWords)).Exists()) options.StatusWords = [];
            if (section.GetSection(nameof(options.OnlinePayloads)).Exists()) options.OnlinePayloads = [];
            if (section.GetSection(nameof(options.OfflinePayloads)).Exists()) options.OfflinePayloads = [];
            if (section.GetSection(nameof(options.Zigbee2MqttBaseTopics)).Exists()) options.Zigbee2MqttBaseTopics = [];
            section.Bind(options);
        });
        services.AddSingleton(s => new PresenceParser(s.GetRequiredService<IOptions<DevicesOptions>>().Value));
        // Firmware conventions, asked in this order before the generic rules (README, "Devices"). Only ingestion's thread uses them.
        services.AddSingleton<IDeviceConvention, HomeAssistantDiscovery>(); // discovery first: a config is the strongest evidence
        services.AddSingleton<IDeviceConvention, Zigbee2MqttConvention>(); // under its base topics only
        services.AddSingleton<IDeviceConvention, OwnTracksConvention>(); // under owntracks/ only
        services.AddSingleton<IDeviceConvention, SparkplugConvention>(); // under spBv1.0/ only
        services.AddSingleton<IDeviceConvention, TasmotaConvention>();
        services.AddSingleton<IDeviceConvention, EsphomeConvention>();
        services.AddSingleton<IDeviceConvention, ShellyConvention>(); // last: its <prefix>/online is the broadest shape
        services.AddSingleton<DeviceConventions>();
        services.AddSingleton<IngestionStats>();
        services.AddHostedService<IngestionService>();
        return builder;
    }
}
