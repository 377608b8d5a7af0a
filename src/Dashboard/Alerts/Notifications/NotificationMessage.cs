using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Dashboard.Alerts.Notifications;

/// <summary>
/// One notification, whatever the channel: <see cref="Title"/> and <see cref="Text"/> for people (e-mail, ntfy,
/// Telegram), <see cref="Json"/> for machines (the webhook's and MQTT's default body, the notice the hub and
/// <c>Alerts:MqttTopicPrefix</c> get), <see cref="Fields"/> for templates. <see cref="Event"/> is <c>raised</c>,
/// <c>acknowledged</c>, <c>cleared</c>, <c>overflow</c>, <c>suppressed</c> (the rate limit's summary) or <c>test</c>.
/// </summary>
public sealed record NotificationMessage(
    string Event, string Title, string Text, AlertSeverity Severity, bool Cleared, IReadOnlyDictionary<string, string> Fields, byte[] Json)
{
    public bool IsTest => Event == "test";

    public static NotificationMessage From(AlertNotice notice)
    {
        var alert = notice.Alert;
        var title = $"{Capitalized(notice.Event)}: {alert.Rule}";
        var text = $"{alert.Message}\nRule “{alert.Rule}” ({alert.Severity}), {notice.Event} at {Time(notice.Time)}.";
        return new(notice.Event, title, text, AlertRuleValidator.ParseSeverity(alert.Severity) ?? AlertSeverity.Warning, notice.Event == "cleared",
            FieldsOf(alert.Rule, alert.DeviceId ?? alert.Topic, alert.Topic, alert.Metric, notice.Value ?? alert.Value, alert.State, notice.Event,
                alert.Severity, notice.Time, alert.Message, title, notice.ToUtf8Json()),
            notice.ToUtf8Json());
    }

    public static NotificationMessage From(AlertOverflowNotice notice)
    {
        var overflow = notice.Overflow;
        var over = overflow.MoreSeries == 0;
        var message = over
            ? $"The rule's series fit under its {overflow.OpenAlerts} open alerts again."
            : $"{overflow.OpenAlerts} open alerts {overflow.Message} meeting the rule's condition (counted, not sent one by one).";
        var title = $"{(over ? "Overflow over" : "Overflow")}: {overflow.Rule}";
        return new("overflow", title, $"{message}\nRule “{overflow.Rule}” ({overflow.Severity}) at {Time(notice.Time)}.",
            AlertRuleValidator.ParseSeverity(overflow.Severity) ?? AlertSeverity.Warning, over,
            FieldsOf(overflow.Rule, null, null, null, overflow.MoreSeries, "overflow", "overflow", overflow.Severity, notice.Time, message, title, notice.ToUtf8Json()),
            notice.ToUtf8Json());
    }

    /// <summary>What "Send a test" sends: said to be a test in its title, text and JSON, with sample values for the placeholders.</summary>
    public static NotificationMessage Test(NotificationChannel channel, DateTimeOffset now)
    {
        const string title = "Test notification from the dashboard";
        var message = $"This is a test of the notification channel “{channel.Name}”. If you read this, it works. No alert is open because of it.";
        var json = JsonSerializer.SerializeToUtf8Bytes(new { @event = "test", time = now, channel = channel.Name, message }, AlertNotice.Json);
        var fields = new Dictionary<string, string>(NotificationTemplate.Sample)
        {
            ["time"] = Iso(now),
            ["message"] = message,
            ["title"] = title,
            ["json"] = Encoding.UTF8.GetString(json),
        };
        return new("test", title, message, AlertSeverity.Info, false, fields, json);
    }

    /// <summary>The rate limit's summary: <paramref name="count"/> notifications were not sent in the last minute.</summary>
    public static NotificationMessage Suppressed(NotificationChannel channel, long count, int perMinute, DateTimeOffset now)
    {
        var title = $"{count} more alert notification{(count == 1 ? "" : "s")} not sent";
        var message = string.Create(CultureInfo.InvariantCulture,
            $"“{channel.Name}” sends at most {perMinute} notifications a minute (Notifications:MaxPerMinute): {count:N0} more were held back. The Alerts page lists every alert.");
        var json = JsonSerializer.SerializeToUtf8Bytes(new { @event = "suppressed", time = now, channel = channel.Name, suppressed = count, message }, AlertNotice.Json);
        return new("suppressed", title, message, AlertSeverity.Warning, false,
            FieldsOf("", null, null, null, count, "suppressed", "suppressed", "warning", now, message, title, json), json);
    }

    /// <summary>The body a webhook or MQTT channel sends: its template filled in, or by default the JSON notice (<paramref name="json"/>) or the text.</summary>
    public byte[] Body(string? template, TemplateEscape escape, bool json) =>
        template is not null ? Encoding.UTF8.GetBytes(NotificationTemplate.Render(template, Fields, escape))
        : json ? Json
        : Encoding.UTF8.GetBytes($"{Title}\n{Text}");

    /// <summary>The text people read (e-mail, ntfy, Telegram; the title goes apart): the template filled in, or <see cref="Text"/>.</summary>
    public string PlainText(string? template) => template is null ? Text : NotificationTemplate.Render(template, Fields, TemplateEscape.None);

    private static Dictionary<string, string> FieldsOf(
        string rule, string? device, string? topic, string? metric, double? value, string state, string @event, string severity,
        DateTimeOffset time, string message, string title, byte[] json) => new()
        {
            ["rule"] = rule,
            ["device"] = device ?? "",
            ["topic"] = topic ?? "",
            ["metric"] = metric ?? "",
            ["value"] = value is { } v ? AlertText.Number(v) : "",
            ["state"] = state,
            ["event"] = @event,
            ["severity"] = severity,
            ["time"] = Iso(time),
            ["message"] = message,
            ["title"] = title,
            ["json"] = Encoding.UTF8.GetString(json),
        };

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    private static string Capitalized(string word) => word.Length == 0 ? word : char.ToUpperInvariant(word[0]) + word[1..];
}
