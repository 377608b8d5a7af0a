using Dashboard.Devices;
using Microsoft.Extensions.Options;

namespace Dashboard.Ingestion;

public static class IngestionServiceCollectionExtensions
{
    /// <summary>The bounded hand-off from the broker and the background service that drains it.</summary>
    public static WebApplicationBuilder AddIngestion(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<IngestionOptions>().BindConfiguration(IngestionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<PresenceOptions>().Configure<IConfiguration>((options, config) =>
        {
            // The binder appends to a list it finds filled, so a configured list would add to the defaults, not replace them.
            var section = config.GetSection(PresenceOptions.Section);
            if (section.GetSection(nameof(options.StatusWords)).Exists()) options.StatusWords = [];
            if (section.GetSection(nameof(options.OnlinePayloads)).Exists()) options.OnlinePayloads = [];
            if (section.GetSection(nameof(options.OfflinePayloads)).Exists()) options.OfflinePayloads = [];
            section.Bind(options);
        });
        builder.Services.AddSingleton(s => new PresenceParser(s.GetRequiredService<IOptions<PresenceOptions>>().Value));
        builder.Services.AddSingleton<BrokerEventChannel>();
        builder.Services.AddSingleton<IngestionService>();
        builder.Services.AddHostedService(s => s.GetRequiredService<IngestionService>());
        return builder;
    }
}
