using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Dashboard.Broker;
using MimeKit;

namespace Dashboard.Alerts.Notifications;

/// <summary>
/// A channel as an admin writes it: the body of <c>POST/PUT /api/notification-channels</c> and the model of the channel
/// form. <see cref="Secrets"/> holds new values only: a secret left out (or null) keeps the stored one, <c>""</c> removes it.
/// </summary>
public sealed class ChannelInput
{
    public string? Name { get; set; }

    /// <summary><c>webhook</c>, <c>ntfy</c>, <c>email</c>, <c>telegram</c> or <c>mqtt</c>.</summary>
    public string? Kind { get; set; }
    public bool? Enabled { get; set; }
    public ChannelSettings? Settings { get; set; }
    public Dictionary<string, string?>? Secrets { get; set; }
}

/// <summary>A valid channel's parts (settings of its kind only, secrets merged with the stored ones), or errors by field.</summary>
public sealed record ChannelValidation(
    string Name, ChannelKind Kind, bool Enabled, ChannelSettings Settings, ChannelSecrets Secrets, IReadOnlyDictionary<string, string[]> Errors)
{
    public bool IsValid => Errors.Count == 0;
}

/// <summary>The one validator of notification channels, for the API (400 problem details) and the channel form.</summary>
public static partial class ChannelValidator
{
    public const int MaxNameLength = 100;
    public const int MaxTemplateLength = 4000;
    public const int MaxRecipients = 20;
    public const int MaxHeaders = 20;

    /// <param name="input">What was sent.</param>
    /// <param name="stored">The channel's secrets as stored (for an edit of a channel of the same kind), else none.</param>
    /// <param name="otherNames">The other channels' names: names are unique, ignoring case.</param>
    public static ChannelValidation Validate(ChannelInput input, ChannelSecrets stored, IEnumerable<string> otherNames)
    {
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Error(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }

            list.Add(message);
        }

        var name = input.Name?.Trim() ?? "";
        if (name.Length == 0)
        {
            Error("name", "Give the channel a name.");
        }
        else if (name.Length > MaxNameLength || name.Any(char.IsControl))
        {
            Error("name", $"Use at most {MaxNameLength} characters, without control characters.");
        }
        else if (otherNames.Contains(name, StringComparer.OrdinalIgnoreCase))
        {
            Error("name", $"Another channel is already called '{name}'.");
        }

        var kind = ChannelKinds.Parse(input.Kind);
        if (kind is null)
        {
            Error("kind", $"Unknown kind '{input.Kind}': use webhook, ntfy, email, telegram or mqtt.");
        }

        var given = input.Settings ?? new ChannelSettings();
        var settings = new ChannelSettings();
        var secrets = new Dictionary<string, string>(StringComparer.Ordinal);
        if (kind is { } k)
        {
            var names = ChannelKinds.SecretNames(k);
            foreach (var (secret, value) in stored.Values.Where(s => names.Contains(s.Key)))
            {
                secrets[secret] = value;
            }

            foreach (var (secret, value) in input.Secrets ?? [])
            {
                if (!names.Contains(secret))
                {
                    Error($"secrets.{secret}", names.Length == 0
                        ? $"{ChannelKinds.Title(k)} channels keep no secrets."
                        : $"{ChannelKinds.Title(k)} channels keep only {string.Join(" and ", names)} as secrets.");
                }
                else if (value is not null)
                {
                    secrets[secret] = value.Trim();
                }
            }

            var template = Template(given.BodyTemplate, "settings.bodyTemplate", Error);
            settings.BodyTemplate = template;
            switch (k)
            {
                case ChannelKind.Webhook:
                    settings.Url = HttpUrl(given.Url, "settings.url", "The URL the alerts are POSTed to", required: true, Error);
                    settings.ContentType = string.IsNullOrWhiteSpace(given.ContentType) ? null : given.ContentType.Trim();
                    if (settings.ContentType is not null && !MediaTypeHeaderValue.TryParse(settings.ContentType, out _))
                    {
                        Error("settings.contentType", $"'{settings.ContentType}' is not a content type, e.g. application/json or text/plain.");
                    }

                    if (secrets.GetValueOrDefault("headers") is { Length: > 0 } headers && HeaderError(headers) is { } headerError)
                    {
                        Error("secrets.headers", headerError);
                    }

                    break;
                case ChannelKind.Ntfy:
                    settings.Server = HttpUrl(given.Server, "settings.server", "The ntfy server, e.g. https://ntfy.sh,", required: true, Error);
                    settings.Topic = given.Topic?.Trim();
                    if (string.IsNullOrEmpty(settings.Topic) || !NtfyTopic().IsMatch(settings.Topic))
                    {
                        Error("settings.topic", "An ntfy topic is 1 to 64 letters, digits, _ or -.");
                    }

                    break;
                case ChannelKind.Email:
                    ValidateEmail(given, settings, secrets, Error);
                    break;
                case ChannelKind.Telegram:
                    settings.ChatId = given.ChatId?.Trim();
                    if (string.IsNullOrEmpty(settings.ChatId) || !ChatId().IsMatch(settings.ChatId))
                    {
                        Error("settings.chatId", "The chat id is a number (-1001234567890) or a channel's @name.");
                    }

                    settings.ApiUrl = HttpUrl(given.ApiUrl, "settings.apiUrl", "The Bot API URL", required: false, Error);
                    if (secrets.GetValueOrDefault("botToken") is not { Length: > 0 })
                    {
                        Error("secrets.botToken", "The bot's token from @BotFather is needed.");
                    }

                    break;
                case ChannelKind.Mqtt:
                    settings.Topic = Template(given.Topic, "settings.topic", Error);
                    settings.Qos = given.Qos ?? 1;
                    settings.Retain = given.Retain ?? false;
                    if (string.IsNullOrEmpty(settings.Topic))
                    {
                        Error("settings.topic", "A topic is needed, e.g. notifications/{{rule}}.");
                    }
                    else if (!errors.ContainsKey("settings.topic") && NotificationTemplate.Render(settings.Topic, NotificationTemplate.Sample, TemplateEscape.Topic) is var topic
                        && (!MqttTopic.IsValidTopicName(topic) || topic.StartsWith('$')))
                    {
                        Error("settings.topic", "The topic must not start with $ or hold + or # (placeholders are filled in without them).");
                    }

                    if (settings.Qos is < 0 or > 2)
                    {
                        Error("settings.qos", "QoS is 0, 1 or 2.");
                    }

                    break;
            }
        }

        var result = errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
        return new ChannelValidation(name, kind ?? ChannelKind.Webhook, input.Enabled ?? true, settings, new ChannelSecrets(secrets), result);
    }

    private static void ValidateEmail(ChannelSettings given, ChannelSettings settings, Dictionary<string, string> secrets, Action<string, string> error)
    {
        settings.Host = given.Host?.Trim();
        if (string.IsNullOrEmpty(settings.Host) || Uri.CheckHostName(settings.Host) == UriHostNameType.Unknown)
        {
            error("settings.host", "The SMTP server's host name or address is needed, e.g. smtp.example.org.");
        }

        settings.Security = string.IsNullOrWhiteSpace(given.Security) ? "auto" : given.Security.Trim().ToLowerInvariant();
        if (settings.Security is not ("auto" or "none" or "starttls" or "tls"))
        {
            error("settings.security", "Use auto, none, starttls or tls.");
        }

        settings.Port = given.Port ?? (settings.Security == "tls" ? 465 : 587);
        if (settings.Port is < 1 or > 65535)
        {
            error("settings.port", "A port is a number from 1 to 65535 (587 for STARTTLS, 465 for TLS).");
        }

        settings.Username = string.IsNullOrWhiteSpace(given.Username) ? null : given.Username.Trim();
        if (settings.Username is not null && secrets.GetValueOrDefault("password") is not { Length: > 0 })
        {
            error("secrets.password", "A password is needed with a username.");
        }

        settings.From = given.From?.Trim();
        if (string.IsNullOrEmpty(settings.From) || !MailboxAddress.TryParse(settings.From, out _))
        {
            error("settings.from", "The sender's address is needed, e.g. Dashboard <dashboard@example.org>.");
        }

        settings.To = [.. (given.To ?? []).Select(t => t.Trim()).Where(t => t.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase)];
        if (settings.To.Count is 0 or > MaxRecipients)
        {
            error("settings.to", $"Give 1 to {MaxRecipients} recipients.");
        }
        else if (settings.To.FirstOrDefault(t => !MailboxAddress.TryParse(t, out _)) is { } bad)
        {
            error("settings.to", $"'{bad}' is not an e-mail address.");
        }
    }

    private static string? HttpUrl(string? text, string field, string what, bool required, Action<string, string> error)
    {
        var url = text?.Trim();
        if (string.IsNullOrEmpty(url))
        {
            if (required)
            {
                error(field, $"{what} is needed.");
            }

            return null;
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            error(field, $"'{url}' is not an http:// or https:// URL.");
        }

        return url;
    }

    private static string? Template(string? text, string field, Action<string, string> error)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (text.Length > MaxTemplateLength)
        {
            error(field, $"Use at most {MaxTemplateLength} characters.");
        }
        else if (NotificationTemplate.Problem(text) is { } problem)
        {
            error(field, problem);
        }

        return text;
    }

    /// <summary>Lines of <c>Name: value</c>; null when they are fine.</summary>
    public static string? HeaderError(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length > MaxHeaders)
        {
            return $"At most {MaxHeaders} headers.";
        }

        for (var i = 0; i < lines.Length; i++)
        {
            var (line, colon) = (lines[i], lines[i].IndexOf(':'));
            if (colon <= 0 || !HeaderName().IsMatch(line[..colon].Trim()) || line[(colon + 1)..].Any(char.IsControl))
            {
                // The line itself is not repeated: it may be the secret.
                return $"One header per line, as Name: value (e.g. Authorization: Bearer …); line {i + 1} is not.";
            }
        }

        return null;
    }

    /// <summary>The headers' lines as name and value.</summary>
    public static IEnumerable<(string Name, string Value)> Headers(string? text) =>
        (text ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => (line[..line.IndexOf(':')].Trim(), line[(line.IndexOf(':') + 1)..].Trim()));

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex NtfyTopic();

    [GeneratedRegex(@"^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,63})$")]
    private static partial Regex ChatId();

    [GeneratedRegex(@"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")]
    private static partial Regex HeaderName();
}
