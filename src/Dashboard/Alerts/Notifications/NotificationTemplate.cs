using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Dashboard.Alerts.Notifications;

/// <summary>How a placeholder's value is written into the text around it.</summary>
public enum TemplateEscape
{
    /// <summary>As it is (plain text, e-mail, Telegram, ntfy).</summary>
    None,

    /// <summary>Escaped for a JSON string, so <c>{"text": "{{message}}"}</c> stays valid JSON whatever the message holds.</summary>
    Json,

    /// <summary>For an MQTT topic: <c>+</c>, <c>#</c>, <c>$</c> and control characters become <c>-</c> (levels stay levels).</summary>
    Topic,
}

/// <summary>
/// Bodies and topics with placeholders: <c>{{rule}}</c>, <c>{{device}}</c>, <c>{{topic}}</c>, <c>{{metric}}</c>,
/// <c>{{value}}</c>, <c>{{state}}</c>, <c>{{event}}</c>, <c>{{severity}}</c>, <c>{{time}}</c>, <c>{{message}}</c>,
/// <c>{{title}}</c>, <c>{{json}}</c> (the JSON notice, never escaped). Spaces inside the braces are allowed; an
/// unknown placeholder is refused when the channel is saved. Pure: no I/O.
/// </summary>
public static partial class NotificationTemplate
{
    public static readonly string[] Placeholders = ["rule", "device", "topic", "metric", "value", "state", "event", "severity", "time", "message", "title", "json"];

    private static readonly JavaScriptEncoder JsonEncoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    /// <summary>Values for checking a template before anything has happened (and for a test message's placeholders).</summary>
    public static readonly IReadOnlyDictionary<string, string> Sample = new Dictionary<string, string>
    {
        ["rule"] = "Test rule",
        ["device"] = "test/device",
        ["topic"] = "test/device/temperature",
        ["metric"] = "temperature",
        ["value"] = "42",
        ["state"] = "test",
        ["event"] = "test",
        ["severity"] = "info",
        ["time"] = "2026-01-01T00:00:00Z",
        ["message"] = "This is a test",
        ["title"] = "Test",
        ["json"] = "{}",
    };

    /// <summary>Why <paramref name="template"/> cannot be used, or null.</summary>
    public static string? Problem(string template)
    {
        var unknown = Placeholder().Matches(template).Select(m => m.Groups[1].Value)
            .Where(name => !Placeholders.Contains(name, StringComparer.OrdinalIgnoreCase)).Distinct().ToList();
        return unknown.Count == 0
            ? null
            : $"Unknown placeholder{(unknown.Count == 1 ? "" : "s")} {string.Join(", ", unknown.Select(u => "{{" + u + "}}"))}: use {string.Join(", ", Placeholders.Select(p => "{{" + p + "}}"))}.";
    }

    /// <summary><paramref name="template"/> with each placeholder replaced by its value in <paramref name="fields"/> (empty when it has none).</summary>
    public static string Render(string template, IReadOnlyDictionary<string, string> fields, TemplateEscape escape) =>
        Placeholder().Replace(template, match =>
        {
            var name = match.Groups[1].Value.ToLowerInvariant();
            var value = fields.GetValueOrDefault(name) ?? "";
            return name == "json" ? value : Escape(value, escape);
        });

    private static string Escape(string value, TemplateEscape escape) => escape switch
    {
        TemplateEscape.Json => JsonEncodedText.Encode(value, JsonEncoder).ToString(),
        TemplateEscape.Topic => TopicSafe(value),
        _ => value,
    };

    private static string TopicSafe(string value)
    {
        var text = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            text.Append(c is '+' or '#' or '$' || char.IsControl(c) ? '-' : c);
        }

        return text.ToString();
    }

    [GeneratedRegex(@"\{\{\s*([A-Za-z_]\w*)\s*\}\}")]
    private static partial Regex Placeholder();
}
