using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace Dashboard.Alerts.Notifications.Senders;

/// <summary>
/// Publishes to an ntfy topic as JSON (to the server's root, so titles need no header encoding): title, text, and a
/// priority and tags from the alert (urgent with a siren for a critical alert raised, low with a check mark once cleared,
/// a test tube for a test). The token, when set, is sent as a bearer token.
/// </summary>
internal sealed class NtfySender(IHttpClientFactory clients) : INotificationSender
{
    public ChannelKind Kind => ChannelKind.Ntfy;

    public async Task SendAsync(NotificationChannel channel, NotificationMessage message, CancellationToken cancellationToken)
    {
        var (priority, tag) = Look(message);
        var body = new
        {
            topic = channel.Settings.Topic,
            title = message.Title,
            message = message.PlainText(channel.Settings.BodyTemplate),
            priority,
            tags = new[] { tag },
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, channel.Settings.Server!.TrimEnd('/') + "/") { Content = JsonContent.Create(body) };
        if (channel.Secrets["token"] is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await clients.CreateClient(NotificationHttp.ClientName).SendAsync(request, cancellationToken);
        await NotificationHttp.EnsureSuccessAsync(response, "ntfy", cancellationToken);
    }

    /// <summary>ntfy's priority (1 min … 5 urgent) and tag (an emoji short code) for a message.</summary>
    public static (int Priority, string Tag) Look(NotificationMessage message) => message switch
    {
        { IsTest: true } => (3, "test_tube"),
        { Event: "suppressed" } => (3, "hourglass"),
        { Cleared: true } => (2, "white_check_mark"),
        { Event: "acknowledged" } => (2, "eyes"),
        { Severity: AlertSeverity.Critical } => (5, "rotating_light"),
        { Severity: AlertSeverity.Warning } => (4, "warning"),
        _ => (3, "information_source"),
    };
}
