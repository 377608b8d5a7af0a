using Dashboard.Alerts.Notifications.Senders;
using Microsoft.Extensions.Http;

namespace Dashboard.Alerts.Notifications;

/// <summary>Notification channels and their delivery, part of the Alerts feature (its rules pick the channels).</summary>
internal static class NotificationsFeature
{
    public static IServiceCollection AddNotifications(this IServiceCollection services)
    {
        services.AddOptions<NotificationsOptions>().BindConfiguration(NotificationsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpClient(NotificationHttp.ClientName).RemoveAllLoggers(); // a Telegram URL holds the bot's token
        services.AddSingleton<INotificationSender, WebhookSender>();
        services.AddSingleton<INotificationSender, NtfySender>();
        services.AddSingleton<INotificationSender, EmailSender>();
        services.AddSingleton<INotificationSender, TelegramSender>();
        services.AddSingleton<INotificationSender, MqttSender>();
        services.AddSingleton<NotificationChannels>();
        services.AddSingleton<NotificationDelivery>();
        return services;
    }
}
