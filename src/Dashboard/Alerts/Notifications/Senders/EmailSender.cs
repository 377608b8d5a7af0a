using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Dashboard.Alerts.Notifications.Senders;

/// <summary>
/// Sends a plain-text e-mail through the channel's SMTP server with MailKit: one connection per message (alerts are
/// few, after the rate limit), TLS as configured, logging in when a username is set.
/// </summary>
internal sealed class EmailSender : INotificationSender
{
    public ChannelKind Kind => ChannelKind.Email;

    public async Task SendAsync(NotificationChannel channel, NotificationMessage message, CancellationToken cancellationToken)
    {
        var settings = channel.Settings;
        using var mail = new MimeMessage();
        mail.From.Add(MailboxAddress.Parse(settings.From ?? ""));
        foreach (var to in settings.To ?? [])
        {
            mail.To.Add(MailboxAddress.Parse(to));
        }

        mail.Subject = $"[Dashboard] {message.Title}";
        mail.Headers.Add("X-Dashboard-Event", message.Event);
        mail.Body = new TextPart("plain") { Text = message.PlainText(settings.BodyTemplate) };

        using var smtp = new SmtpClient();
        try
        {
            await smtp.ConnectAsync(settings.Host ?? "", settings.Port ?? 587, Security(settings.Security), cancellationToken);
            if (settings.Username is { } user)
            {
                await smtp.AuthenticateAsync(user, channel.Secrets["password"] ?? "", cancellationToken);
            }

            await smtp.SendAsync(mail, cancellationToken);
            await smtp.DisconnectAsync(quit: true, cancellationToken);
        }
        catch (AuthenticationException ex)
        {
            throw new NotificationFailedException($"The SMTP server refused the login: {ex.Message}", permanent: true);
        }
        catch (SmtpCommandException ex)
        {
            throw new NotificationFailedException($"The SMTP server answered {(int)ex.StatusCode}: {ex.Message}", permanent: (int)ex.StatusCode >= 500);
        }
        catch (Exception ex) when (ex is SmtpProtocolException or SslHandshakeException or ServiceNotConnectedException or System.Net.Sockets.SocketException or IOException)
        {
            throw new NotificationFailedException($"SMTP {settings.Host}:{settings.Port}: {ex.Message}");
        }
    }

    private static SecureSocketOptions Security(string? security) => security switch
    {
        "none" => SecureSocketOptions.None,
        "starttls" => SecureSocketOptions.StartTls,
        "tls" => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.Auto,
    };
}
