namespace Dashboard.Alerts.Notifications;

/// <summary>Where a channel sends.</summary>
public enum ChannelKind
{
    Webhook,
    Ntfy,
    Email,
    Telegram,
    Mqtt,
}

/// <summary>
/// A channel's settings that may be shown again (URLs, addresses, templates): what each kind uses is set, the rest null.
/// Secrets (passwords, tokens, the webhook's headers) are in <see cref="ChannelSecrets"/>, never here.
/// </summary>
public sealed class ChannelSettings
{
    /// <summary>Webhook: the http(s) URL POSTed to.</summary>
    public string? Url { get; set; }

    /// <summary>Webhook: the body's content type; JSON (the default) makes placeholders JSON-escaped.</summary>
    public string? ContentType { get; set; }

    /// <summary>The body with placeholders (<see cref="NotificationTemplate"/>); empty: the JSON notice (webhook, MQTT) or the text (others).</summary>
    public string? BodyTemplate { get; set; }

    /// <summary>ntfy: the server, e.g. https://ntfy.sh.</summary>
    public string? Server { get; set; }

    /// <summary>ntfy: the topic; MQTT: the topic template, e.g. <c>alerts/{{rule}}</c>.</summary>
    public string? Topic { get; set; }

    public string? Host { get; set; }
    public int? Port { get; set; }

    /// <summary>E-mail: <c>auto</c>, <c>none</c>, <c>starttls</c> or <c>tls</c> (TLS from the start, port 465).</summary>
    public string? Security { get; set; }
    public string? Username { get; set; }
    public string? From { get; set; }
    public List<string>? To { get; set; }

    /// <summary>Telegram: the chat's id (a number, or @channelname).</summary>
    public string? ChatId { get; set; }

    /// <summary>Telegram: the Bot API's base URL (a self-hosted Bot API server); https://api.telegram.org when empty.</summary>
    public string? ApiUrl { get; set; }

    /// <summary>MQTT: QoS 0, 1 or 2.</summary>
    public int? Qos { get; set; }
    public bool? Retain { get; set; }
}

/// <summary>
/// A channel's secrets by name (<see cref="ChannelKinds.SecretNames"/>), in clear only in memory: stored encrypted, never
/// returned by the API, shown or logged. <see cref="ToString"/> says nothing of them, so a log line or a record's
/// printout cannot leak them.
/// </summary>
public sealed class ChannelSecrets(IReadOnlyDictionary<string, string> values)
{
    public static readonly ChannelSecrets None = new(new Dictionary<string, string>());

    public IReadOnlyDictionary<string, string> Values { get; } = values;

    public string? this[string name] => Values.TryGetValue(name, out var value) && value.Length > 0 ? value : null;

    public IEnumerable<string> Set => Values.Where(v => v.Value.Length > 0).Select(v => v.Key).Order(StringComparer.Ordinal);

    /// <summary>
    /// <paramref name="text"/> with every secret replaced: error texts (a URL with a bot token in it, a server echoing the
    /// request's headers) are shown and logged. A webhook's secret headers (<c>Authorization: Bearer …</c>) are also
    /// scrubbed header by header: each value, and each long word of it, as a server may echo them in other words.
    /// </summary>
    public string Scrub(string text)
    {
        foreach (var piece in Pieces().Where(p => p.Length >= 4).Distinct(StringComparer.Ordinal).OrderByDescending(p => p.Length))
        {
            text = text.Replace(piece, "•••", StringComparison.Ordinal);
        }

        return text;
    }

    private IEnumerable<string> Pieces()
    {
        foreach (var value in Values.Values)
        {
            yield return value;
            foreach (var line in value.Split('\n', StringSplitOptions.TrimEntries))
            {
                var header = line.IndexOf(':') is > 0 and var colon ? line[(colon + 1)..].Trim() : "";
                yield return line;
                yield return header;
                foreach (var word in header.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => w.Length >= 8))
                {
                    yield return word;
                }
            }
        }
    }

    public override string ToString() => $"({Values.Count} secrets)";
}

/// <summary>A notification channel as the senders use it.</summary>
public sealed record NotificationChannel(long Id, string Name, ChannelKind Kind, bool Enabled, ChannelSettings Settings, ChannelSecrets Secrets, DateTimeOffset UpdatedAt);

/// <summary>How each kind reads and what secrets it has.</summary>
public static class ChannelKinds
{
    public static readonly ChannelKind[] All = Enum.GetValues<ChannelKind>();

    public static string Name(ChannelKind kind) => kind switch
    {
        ChannelKind.Ntfy => "ntfy",
        ChannelKind.Email => "email",
        ChannelKind.Telegram => "telegram",
        ChannelKind.Mqtt => "mqtt",
        _ => "webhook",
    };

    public static string Title(ChannelKind kind) => kind switch
    {
        ChannelKind.Ntfy => "ntfy",
        ChannelKind.Email => "E-mail",
        ChannelKind.Telegram => "Telegram",
        ChannelKind.Mqtt => "MQTT",
        _ => "Webhook",
    };

    public static ChannelKind? Parse(string? text) =>
        All.Cast<ChannelKind?>().FirstOrDefault(k => string.Equals(Name(k!.Value), text?.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>The secrets a kind keeps: the webhook's headers (an Authorization header is a password), tokens, the SMTP password.</summary>
    public static string[] SecretNames(ChannelKind kind) => kind switch
    {
        ChannelKind.Webhook => ["headers"],
        ChannelKind.Ntfy => ["token"],
        ChannelKind.Email => ["password"],
        ChannelKind.Telegram => ["botToken"],
        _ => [],
    };
}
