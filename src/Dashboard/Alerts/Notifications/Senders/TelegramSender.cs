using System.Net.Http.Json;

namespace Dashboard.Alerts.Notifications.Senders;

/// <summary>
/// Sends the title and text to a chat through the Bot API's <c>sendMessage</c> (plain text: nothing in an alert is read as
/// markup). The token is part of the URL, so the notifications' HTTP client logs no URLs and errors are scrubbed of it.
/// </summary>
internal sealed class TelegramSender(IHttpClientFactory clients) : INotificationSender
{
    public const string DefaultApiUrl = "https://api.telegram.org";

    public ChannelKind Kind => ChannelKind.Telegram;

    public async Task SendAsync(NotificationChannel channel, NotificationMessage message, CancellationToken cancellationToken)
    {
        var token = channel.Secrets["botToken"] ?? throw new NotificationFailedException("The bot token is not set.", permanent: true);
        var url = $"{(channel.Settings.ApiUrl ?? DefaultApiUrl).TrimEnd('/')}/bot{token}/sendMessage";
        var body = new
        {
            chat_id = channel.Settings.ChatId,
            text = $"{message.Title}\n\n{message.PlainText(channel.Settings.BodyTemplate)}",
            disable_web_page_preview = true,
        };
        using var response = await clients.CreateClient(NotificationHttp.ClientName).PostAsJsonAsync(url, body, cancellationToken);
        await NotificationHttp.EnsureSuccessAsync(response, "Telegram", cancellationToken);
    }
}
