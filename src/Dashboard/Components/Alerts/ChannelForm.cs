using System.Globalization;
using Dashboard.Alerts.Notifications;

namespace Dashboard.Components.Alerts;

/// <summary>
/// The channel dialog's fields as text. A secret already stored shows as "set": it is never read back into the form,
/// and <see cref="NewSecrets"/> holds only what the admin typed to replace it.
/// </summary>
public sealed class ChannelForm
{
    public string? Name { get; set; }
    public string Kind { get; set; } = "webhook";
    public bool Enabled { get; set; } = true;
    public string? Url { get; set; }
    public string? ContentType { get; set; }
    public string? BodyTemplate { get; set; }
    public string? Server { get; set; }
    public string? Topic { get; set; }
    public string? Host { get; set; }
    public string? Port { get; set; }
    public string Security { get; set; } = "auto";
    public string? Username { get; set; }
    public string? From { get; set; }
    public string? To { get; set; }
    public string? ChatId { get; set; }
    public string? ApiUrl { get; set; }
    public int Qos { get; set; } = 1;
    public bool Retain { get; set; }

    /// <summary>Secrets stored for the channel as it was opened (names only).</summary>
    public HashSet<string> StoredSecrets { get; } = [];

    /// <summary>Secrets the admin is replacing (or setting), by name.</summary>
    public Dictionary<string, string?> NewSecrets { get; } = [];

    public ChannelKind KindValue => ChannelKinds.Parse(Kind) ?? ChannelKind.Webhook;

    public static ChannelForm Of(NotificationChannel channel)
    {
        var s = channel.Settings;
        var form = new ChannelForm
        {
            Name = channel.Name,
            Kind = ChannelKinds.Name(channel.Kind),
            Enabled = channel.Enabled,
            Url = s.Url,
            ContentType = s.ContentType,
            BodyTemplate = s.BodyTemplate,
            Server = s.Server,
            Topic = s.Topic,
            Host = s.Host,
            Port = s.Port?.ToString(CultureInfo.InvariantCulture),
            Security = s.Security ?? "auto",
            Username = s.Username,
            From = s.From,
            To = s.To is { } to ? string.Join(", ", to) : null,
            ChatId = s.ChatId,
            ApiUrl = s.ApiUrl,
            Qos = s.Qos ?? 1,
            Retain = s.Retain ?? false,
        };
        form.StoredSecrets.UnionWith(channel.Secrets.Set);
        return form;
    }

    /// <summary>The input the validator and the store take; <paramref name="portError"/> when the port is not a number.</summary>
    public ChannelInput ToInput(out string? portError)
    {
        portError = null;
        int? port = null;
        if (!string.IsNullOrWhiteSpace(Port))
        {
            if (int.TryParse(Port.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                port = number;
            }
            else
            {
                portError = "A port is a number, e.g. 587.";
            }
        }

        return new ChannelInput
        {
            Name = Name,
            Kind = Kind,
            Enabled = Enabled,
            Settings = new ChannelSettings
            {
                Url = Url,
                ContentType = ContentType,
                BodyTemplate = BodyTemplate,
                Server = Server,
                Topic = Topic,
                Host = Host,
                Port = port,
                Security = Security,
                Username = Username,
                From = From,
                To = [.. (To ?? "").Split([',', ';', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)],
                ChatId = ChatId,
                ApiUrl = ApiUrl,
                Qos = Qos,
                Retain = Retain,
            },
            Secrets = NewSecrets.Where(s => s.Value is not null).ToDictionary(s => s.Key, s => s.Value),
        };
    }

    /// <summary>Where a channel sends, in a few words for the list: a URL's host, a topic, recipients, a chat.</summary>
    public static string Where(NotificationChannel channel)
    {
        var s = channel.Settings;
        return channel.Kind switch
        {
            // The host only: some services (Slack, Discord) put their secret in the URL's path.
            ChannelKind.Webhook => Uri.TryCreate(s.Url, UriKind.Absolute, out var url) ? $"POST {url.GetLeftPart(UriPartial.Authority)}/…" : "",
            ChannelKind.Ntfy => $"{s.Server?.TrimEnd('/')}/{s.Topic}",
            ChannelKind.Email => $"{string.Join(", ", s.To ?? [])} via {s.Host}:{s.Port}",
            ChannelKind.Telegram => $"chat {s.ChatId}",
            _ => $"{s.Topic} (QoS {s.Qos}{(s.Retain == true ? ", retained" : "")})",
        };
    }
}
