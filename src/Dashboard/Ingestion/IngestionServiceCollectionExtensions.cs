namespace Dashboard.Ingestion;

public static class IngestionServiceCollectionExtensions
{
    /// <summary>The bounded hand-off from the broker and the background service that drains it.</summary>
    public static WebApplicationBuilder AddIngestion(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<IngestionOptions>().BindConfiguration(IngestionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<BrokerEventChannel>();
        builder.Services.AddSingleton<IngestionService>();
        builder.Services.AddHostedService(s => s.GetRequiredService<IngestionService>());
        return builder;
    }
}
