using Dashboard.Alerts.Notifications;
using Dashboard.Broker;
using Dashboard.Ingestion;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Dashboard.Alerts;

public static class AlertsFeature
{
    /// <summary>Alert rules and their engine (a sink of ingestion), storage and notifications (UI, hub, MQTT, webhook, the rules' channels).</summary>
    public static IHostApplicationBuilder AddAlerts(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AlertsOptions>().BindConfiguration(AlertsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<IngestionOptions>().PostConfigure<IOptions<AlertsOptions>>((ingestion, alerts) =>
        {
            ingestion.OwnTopicPrefixes.Add(alerts.Value.MqttTopicPrefix + "/");
            ingestion.OwnPublishers.Add(Notifications.Senders.MqttSender.Publisher); // a rule on # must not feed on its own notifications
        });

        // Alert notices are the dashboard's word: no client may publish (or leave a will) under their prefix.
        services.AddOptions<BrokerOptions>().PostConfigure<IOptions<AlertsOptions>>((broker, alerts) =>
            broker.ReservedTopicPrefixes.Add(alerts.Value.MqttTopicPrefix + "/"));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<AlertOutbox>();
        services.AddSingleton<AlertFeed>();
        services.AddSingleton<Health.HealthSampler>();
        services.AddSingleton<AlertEngine>();
        services.AddSingleton<IBrokerEventSink>(s => s.GetRequiredService<AlertEngine>());
        services.AddSingleton<AlertService>();
        services.AddHttpClient(AlertWebhook.ClientName);
        services.AddSingleton<AlertWebhook>();
        services.AddNotifications();

        // Start in this order (after the database is migrated): channels, then rules and open alerts, are loaded before anything is sent.
        services.AddHostedService(s => s.GetRequiredService<NotificationDelivery>());
        services.AddHostedService<AlertEngineHost>();
        services.AddSingleton<AlertDispatcher>();
        services.AddHostedService(s => s.GetRequiredService<AlertDispatcher>());
        services.AddHostedService(s => s.GetRequiredService<AlertWebhook>());
        services.AddSingleton<AlertReplication>();
        services.AddHostedService(s => s.GetRequiredService<AlertReplication>());
        return builder;
    }

    public static IEndpointRouteBuilder MapAlerts(this IEndpointRouteBuilder app) => app.MapAlertApi().MapNotificationChannelApi();
}
