namespace Dashboard.Alerts;

/// <summary>Where an alert is in its life: raised (active), seen by someone (acknowledged), over (cleared).</summary>
public enum AlertState
{
    Active,
    Acknowledged,
    Cleared,
}

/// <summary>One step of an alert's life, with the value that caused it (null when no reading did: an acknowledgement before any, a device going offline, a rule edit).</summary>
public sealed record AlertEvent(AlertState State, DateTimeOffset Time, double? Value, string? Note);

/// <summary>
/// An alert as it is now. <see cref="Subject"/> is the topic (threshold and staleness rules) or the device id
/// (presence rules); <see cref="Metric"/> is empty for presence. <see cref="Events"/> are its transitions, oldest first.
/// </summary>
public sealed record Alert(
    long Id,
    long RuleId,
    string RuleName,
    AlertRuleKind Kind,
    AlertSeverity Severity,
    string Subject,
    string Metric,
    AlertState State,
    DateTimeOffset RaisedAt,
    double? Value,
    DateTimeOffset? AcknowledgedAt,
    DateTimeOffset? ClearedAt,
    string Message,
    IReadOnlyList<AlertEvent> Events)
{
    public bool IsOpen => State != AlertState.Cleared;
}

/// <summary>An alert changed state: <see cref="Alert"/> is the alert after the change, its last event the change itself.</summary>
public sealed record AlertTransition(Alert Alert)
{
    public AlertEvent Event => Alert.Events[^1];
}

/// <summary>
/// A rule had <see cref="OpenAlerts"/> open alerts, its maximum (<c>Alerts:MaxOpenAlertsPerRule</c>), and
/// <see cref="MoreSeries"/> further series meet its condition: "and N more series". <see cref="MoreSeries"/> 0 means
/// the overflow is over. <see cref="Since"/> is when it began.
/// </summary>
public sealed record AlertOverflow(long RuleId, string RuleName, AlertSeverity Severity, int OpenAlerts, int MoreSeries, DateTimeOffset Since);
