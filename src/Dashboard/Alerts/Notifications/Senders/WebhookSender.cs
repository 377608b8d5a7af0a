using System.Net.Http.Headers;

namespace Dashboard.Alerts.Notifications.Senders;

/// <summary>
/// POSTs the notification to the channel's URL: the JSON notice (as <c>Alerts:WebhookUrl</c> gets it), or the body
/// template filled in (JSON-escaped when the content type is JSON). The headers (a secret) go with it, and
/// <c>X-Dashboard-Event</c> says what it is (<c>test</c> for a test).
/// </summary>
internal sealed class WebhookSender(IHttpClientFactory clients) : INotificationSender
{
    public ChannelKind Kind => ChannelKind.Webhook;

    public async Task SendAsync(NotificationChannel channel, NotificationMessage message, CancellationToken cancellationToken)
    {
        var settings = channel.Settings;
        var contentType = MediaTypeHeaderValue.Parse(settings.ContentType ?? "application/json");
        contentType.CharSet ??= "utf-8";
        var json = contentType.MediaType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true;
        using var content = new ByteArrayContent(message.Body(settings.BodyTemplate, json ? TemplateEscape.Json : TemplateEscape.None, json: true));
        content.Headers.ContentType = contentType;
        using var request = new HttpRequestMessage(HttpMethod.Post, settings.Url) { Content = content };
        foreach (var (name, value) in ChannelValidator.Headers(channel.Secrets["headers"]))
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                content.Headers.Remove(name);
                content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        request.Headers.TryAddWithoutValidation("X-Dashboard-Event", message.Event);
        using var response = await clients.CreateClient(NotificationHttp.ClientName).SendAsync(request, cancellationToken);
        await NotificationHttp.EnsureSuccessAsync(response, "The webhook", cancellationToken);
    }
}
