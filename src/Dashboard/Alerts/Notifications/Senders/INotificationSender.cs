using System.Net;
using System.Text.Json;

namespace Dashboard.Alerts.Notifications.Senders;

/// <summary>Sends one notification to one kind of channel, once; throws <see cref="NotificationFailedException"/> with the receiver's words.</summary>
internal interface INotificationSender
{
    ChannelKind Kind { get; }

    Task SendAsync(NotificationChannel channel, NotificationMessage message, CancellationToken cancellationToken);
}

/// <summary>
/// A receiver refused or failed: <see cref="Exception.Message"/> is what it said (shown in the UI and the API).
/// <see cref="Permanent"/>: trying again cannot help (a wrong token, an unknown chat, 404), so there are no retries.
/// </summary>
public sealed class NotificationFailedException(string message, bool permanent = false) : Exception(message)
{
    public bool Permanent => permanent;
}

/// <summary>The HTTP client all HTTP senders share, and how their failures read.</summary>
internal static class NotificationHttp
{
    /// <summary>Its request logging is off: a Telegram URL holds the bot's token.</summary>
    public const string ClientName = "Notifications";

    private const int MaxBodyShown = 300;

    /// <summary>Throws with the status and what the receiver said (a JSON error's <c>description</c>, <c>error</c> or <c>message</c>, else the body's start).</summary>
    public static async Task EnsureSuccessAsync(HttpResponseMessage response, string receiver, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var said = ErrorText(body);
        var code = (int)response.StatusCode;
        var permanent = code is >= 400 and < 500 && response.StatusCode is not (HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests);
        throw new NotificationFailedException($"{receiver} answered HTTP {code} {response.ReasonPhrase}{(said.Length > 0 ? ": " + said : "")}", permanent);
    }

    private static string ErrorText(string body)
    {
        body = body.Trim();
        if (body.StartsWith('{'))
        {
            try
            {
                using var json = JsonDocument.Parse(body);
                foreach (var field in new[] { "description", "error", "message" })
                {
                    if (json.RootElement.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String)
                    {
                        return Shorten(value.GetString()!);
                    }
                }
            }
            catch (JsonException)
            {
            }
        }

        return Shorten(body);
    }

    private static string Shorten(string text) => text.Length <= MaxBodyShown ? text : text[..MaxBodyShown] + "…";
}
