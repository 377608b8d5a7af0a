using System.ComponentModel.DataAnnotations;
using Dashboard.Broker;

namespace Dashboard.Alerts;

/// <summary>Alert evaluation and where alerts are sent (section <c>Alerts</c>); the rules themselves are in the database.</summary>
public sealed class AlertsOptions : IValidatableObject
{
    public const string Section = "Alerts";

    /// <summary>How often "for" durations, silent series and offline devices are checked.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan EvaluationInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Publish every alert change as JSON to <c>&lt;MqttTopicPrefix&gt;/&lt;rule&gt;</c>.</summary>
    public bool PublishToMqtt { get; set; } = true;

    public string MqttTopicPrefix { get; set; } = "dashboard/alerts";

    /// <summary>When set, every alert change is also POSTed there as JSON.</summary>
    public string? WebhookUrl { get; set; }

    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>(rule, series) pairs followed at once: pending thresholds, silent-series watches, offline devices.</summary>
    [Range(10, 10_000_000)]
    public int MaxSeries { get; set; } = 50_000;

    /// <summary>
    /// Open alerts one rule holds at once. Further series meeting its condition are counted in one overflow per rule
    /// ("and N more series"), not raised, stored and sent one by one: a rule on <c>#</c> over 80,000 topics stays cheap.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxOpenAlertsPerRule { get; set; } = 100;

    /// <summary>How long cleared alerts are kept in the database.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan ClearedRetention { get; set; } = TimeSpan.FromDays(90);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!MqttTopic.IsValidTopicName(MqttTopicPrefix) || MqttTopicPrefix.EndsWith('/') || MqttTopicPrefix.StartsWith('$'))
        {
            yield return new ValidationResult(
                $"Alerts:MqttTopicPrefix '{MqttTopicPrefix}' must be a topic without wildcards, a leading $ or a trailing /, e.g. dashboard/alerts.",
                [nameof(MqttTopicPrefix)]);
        }

        if (!string.IsNullOrWhiteSpace(WebhookUrl)
            && !(Uri.TryCreate(WebhookUrl, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)))
        {
            yield return new ValidationResult($"Alerts:WebhookUrl '{WebhookUrl}' must be an absolute http:// or https:// URL, or empty.", [nameof(WebhookUrl)]);
        }
    }
}
