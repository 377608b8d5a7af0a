using Dashboard.Broker;
using Dashboard.Broker.Events;
using Dashboard.Devices;
using Dashboard.Devices.Conventions;
using Dashboard.Devices.Mapping;
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
            section.Bind(options); // MappingRules is empty by default, so binding it fills it with exactly what is configured
        });
        // Descriptions before what they describe: after a restart a retained state replayed before its discovery config
        // would otherwise go to a device named by its topic (README, "Devices").
        services.AddOptions<BrokerOptions>().PostConfigure<IOptions<DevicesOptions>>((broker, devices) =>
        {
            broker.ReplayFirstTopicPrefixes.Add(devices.Value.DiscoveryPrefix + "/");
            broker.ReplayFirstTopicPrefixes.AddRange(devices.Value.Zigbee2MqttBaseTopics.Select(b => b + "/bridge/"));
        });
        services.AddSingleton<IValidateOptions<DevicesOptions>, DevicesOptionsValidator>();
        services.AddOptions<DevicesOptions>().ValidateOnStart();
        services.AddSingleton(s => new PresenceParser(s.GetRequiredService<IOptions<DevicesOptions>>().Value));
        services.AddSingleton(s => new MappingRules(s.GetRequiredService<IOptions<DevicesOptions>>().Value, s.GetRequiredService<PresenceParser>()));
        // The user's mapping rules, then the firmware conventions, asked in this order before the generic rules (README,
        // "Devices"). Only ingestion's thread reads them (the mapping rules' set is swapped whole when an admin edits it).
        services.AddSingleton<IDeviceConvention>(s => s.GetRequiredService<MappingRules>()); // first: the user said so
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
