using Dashboard.Broker.Admin;
using Microsoft.Extensions.Options;

namespace Dashboard.EventLog;

public static class EventLogFeature
{
    /// <summary>The event log: the broker's refusals written in batches, admin actions, retention, and its API.</summary>
    public static IHostApplicationBuilder AddEventLog(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<EventLogOptions>().BindConfiguration(EventLogOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<BrokerAuditFeedOptions>().Configure<IOptions<EventLogOptions>>((feed, log) => feed.Capacity = log.Value.QueueCapacity);
        services.AddSingleton<EventLogService>();
        services.AddHostedService<EventLogWriter>();
        return builder;
    }

    public static IEndpointRouteBuilder MapEventLog(this IEndpointRouteBuilder app) => app.MapEventLogApi();
}
