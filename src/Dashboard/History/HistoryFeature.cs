using Dashboard.Ingestion;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Dashboard.History;

public static class HistoryFeature
{
    /// <summary>
    /// Readings stored in SQLite: the recorder (an ingestion sink), the batching writer, the retention job and the
    /// query services the pages and the API read through.
    /// </summary>
    public static IHostApplicationBuilder AddHistory(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<HistoryOptions>().BindConfiguration(HistoryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<HistoryStats>();
        services.AddSingleton<HistoryRecorder>();
        services.AddSingleton<IBrokerEventSink>(s => s.GetRequiredService<HistoryRecorder>());
        services.AddHostedService<HistoryWriter>();
        services.AddHostedService<HistoryRetention>();
        services.AddSingleton<HistoryQueries>();
        services.AddSingleton<HistoryCsvExport>();
        return builder;
    }

    public static IEndpointRouteBuilder MapHistory(this IEndpointRouteBuilder app) => app.MapHistoryApi();
}
