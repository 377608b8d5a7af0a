using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Dashboard.Alerts;

/// <summary>An alert rule in the API: the same fields as <see cref="AlertRuleInput"/>, plus its id and the condition in words.</summary>
public sealed record AlertRuleDto(
    long Id,
    string Name,
    string Kind,
    string Filter,
    string? Metric,
    string? Operator,
    double? Threshold,
    double? Low,
    double? High,
    double? Hysteresis,
    double ForSeconds,
    string Severity,
    bool Enabled,
    IReadOnlyList<long> Channels,
    string? Signal,
    double? WindowSeconds,
    string Condition)
{
    public static AlertRuleDto From(AlertRule rule)
    {
        var input = AlertRuleInput.From(rule);
        return new(rule.Id, rule.Name, input.Kind!, rule.Filter, rule.Metric, input.Operator, input.Threshold, input.Low, input.High,
            input.Hysteresis, rule.For.TotalSeconds, input.Severity!, rule.Enabled, rule.Channels, input.Signal, input.WindowSeconds, rule.DescribeCondition());
    }
}

public sealed record AlertEventDto(string State, DateTimeOffset Time, double? Value, string? Note);

/// <summary>
/// An alert in the API, on the hub, over MQTT and to the webhook. <see cref="Topic"/> and <see cref="Metric"/> are
/// set for threshold and staleness alerts, <see cref="DeviceId"/> for presence alerts, <see cref="Signal"/> for health alerts.
/// </summary>
public sealed record AlertDto(
    long Id,
    long RuleId,
    string Rule,
    string Kind,
    string Severity,
    string State,
    string? Topic,
    string? Metric,
    string? DeviceId,
    string? Signal,
    double? Value,
    DateTimeOffset RaisedAt,
    DateTimeOffset? AcknowledgedAt,
    DateTimeOffset? ClearedAt,
    string Message,
    IReadOnlyList<AlertEventDto> Events)
{
    public static AlertDto From(Alert alert)
    {
        var (presence, health) = (alert.Kind == AlertRuleKind.Presence, alert.Kind == AlertRuleKind.Health);
        return new(alert.Id, alert.RuleId, alert.RuleName, AlertText.Kind(alert.Kind), AlertText.Severity(alert.Severity),
            AlertText.State(alert.State), presence || health ? null : alert.Subject, presence || health ? null : alert.Metric,
            presence ? alert.Subject : null, health ? alert.Subject : null, alert.Value, alert.RaisedAt, alert.AcknowledgedAt, alert.ClearedAt, alert.Message,
            [.. alert.Events.Select(e => new AlertEventDto(AlertText.State(e.State), e.Time, e.Value, e.Note))]);
    }
}

/// <summary>
/// A rule's overflow in the API and in notices: it has <see cref="OpenAlerts"/> open alerts, its maximum, and
/// <see cref="MoreSeries"/> more series meet its condition (<see cref="Message"/>: <c>and 35,900 more series</c>).
/// </summary>
public sealed record AlertOverflowDto(long RuleId, string Rule, string Severity, int OpenAlerts, int MoreSeries, DateTimeOffset Since, string Message)
{
    public static AlertOverflowDto From(AlertOverflow overflow) =>
        new(overflow.RuleId, overflow.RuleName, AlertText.Severity(overflow.Severity), overflow.OpenAlerts, overflow.MoreSeries, overflow.Since,
            AlertText.MoreSeries(overflow.MoreSeries));
}

/// <summary>
/// One page of <c>GET /api/alerts</c>: <see cref="Items"/> on page <see cref="Page"/> (of <see cref="Limit"/> each) out
/// of <see cref="Total"/>, and the rules whose series beyond their open alerts are only counted (<see cref="Overflow"/>).
/// </summary>
public sealed record AlertPageDto(IReadOnlyList<AlertDto> Items, int Total, int Page, int Limit, IReadOnlyList<AlertOverflowDto> Overflow);

/// <summary>
/// A rule's overflow changed, as sent to the hub (<c>alertOverflows</c>), MQTT and the webhook: <see cref="Event"/> is
/// <c>overflow</c>, at most once per rule per <c>Alerts:EvaluationInterval</c>; <c>moreSeries</c> 0 means it is over.
/// </summary>
public sealed record AlertOverflowNotice(string Event, DateTimeOffset Time, AlertOverflowDto Overflow)
{
    public static AlertOverflowNotice From(AlertOverflow overflow, DateTimeOffset time) => new("overflow", time, AlertOverflowDto.From(overflow));

    public byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(this, AlertNotice.Json);
}

/// <summary>
/// One alert change as sent to the hub (<c>alerts</c>), MQTT and the webhook: <see cref="Event"/> is <c>raised</c>,
/// <c>acknowledged</c> or <c>cleared</c>, with when and the value that caused it.
/// </summary>
public sealed record AlertNotice(string Event, DateTimeOffset Time, double? Value, string? Note, AlertDto Alert)
{
    // Not for HTML: MQTT subscribers and webhooks get "> 25" as it is, not "\u003E 25".
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static AlertNotice From(AlertTransition transition)
    {
        var change = transition.Event;
        var name = change.State switch
        {
            AlertState.Active => "raised",
            AlertState.Acknowledged => "acknowledged",
            _ => "cleared",
        };
        return new(name, change.Time, change.Value, change.Note, AlertDto.From(transition.Alert));
    }

    public byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    /// <summary>
    /// <c>dashboard/alerts/living-room-too-hot</c>: the rule's name in lower case with anything but letters and
    /// digits made a dash, so the topic is safe in a shell and has no wildcards or extra levels.
    /// </summary>
    public static string Topic(string prefix, string ruleName, long ruleId)
    {
        var slug = new StringBuilder(ruleName.Length);
        foreach (var c in ruleName.ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c))
            {
                slug.Append(c);
            }
            else if (slug.Length > 0 && slug[^1] != '-')
            {
                slug.Append('-');
            }
        }

        var name = slug.ToString().TrimEnd('-');
        return $"{prefix}/{(name.Length > 0 ? name : $"rule-{ruleId}")}";
    }
}
