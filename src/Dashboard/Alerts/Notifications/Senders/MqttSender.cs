using Dashboard.Broker;
using MQTTnet;
using MQTTnet.Protocol;

namespace Dashboard.Alerts.Notifications.Senders;

/// <summary>
/// Publishes through the broker (<see cref="IBrokerPublisher"/>, as <see cref="Publisher"/>) to the topic template filled
/// in: the JSON notice, or the body template (JSON-escaped when it starts as JSON). The alert engine does not read these
/// back as readings, so a rule on <c>#</c> cannot feed on its own notifications.
/// </summary>
internal sealed class MqttSender(IBrokerPublisher broker) : INotificationSender
{
    /// <summary>Who the Topics page says published a notification.</summary>
    public const string Publisher = "dashboard notifications";

    public ChannelKind Kind => ChannelKind.Mqtt;

    public async Task SendAsync(NotificationChannel channel, NotificationMessage message, CancellationToken cancellationToken)
    {
        var settings = channel.Settings;
        var topic = NotificationTemplate.Render(settings.Topic ?? "", message.Fields, TemplateEscape.Topic);
        if (!MqttTopic.IsValidTopicName(topic))
        {
            throw new NotificationFailedException($"'{topic}' is not a topic a message can be published to.", permanent: true);
        }

        if (!broker.IsRunning)
        {
            throw new NotificationFailedException("The broker is not running.");
        }

        var json = settings.BodyTemplate?.TrimStart() is ['{' or '[', ..];
        var payload = message.Body(settings.BodyTemplate, json ? TemplateEscape.Json : TemplateEscape.None, json: true);
        await broker.PublishAsync(new MqttApplicationMessage
        {
            Topic = topic,
            PayloadSegment = payload,
            QualityOfServiceLevel = (MqttQualityOfServiceLevel)(settings.Qos ?? 1),
            Retain = settings.Retain ?? false,
            ContentType = settings.BodyTemplate is null || json ? "application/json" : "text/plain",
        }, Publisher);
    }
}
