using System.Globalization;
using Dashboard.Alerts.Health;
using MQTTnet;

namespace Dashboard.Alerts;

/// <summary>What a rule watches.</summary>
public enum AlertRuleKind
{
    /// <summary>Readings on matching topics against a threshold.</summary>
    Threshold,

    /// <summary>Matching devices that stay offline.</summary>
    Presence,

    /// <summary>Matching series that stop sending readings.</summary>
    Staleness,

    /// <summary>The broker's health: a <see cref="HealthSignal"/> (dropped messages, refused connections, failed logins, backlog, disk) against a threshold.</summary>
    Health,
}

public enum AlertOperator
{
    Above,
    AtLeast,
    Below,
    AtMost,
    Equal,
    NotEqual,
    Outside,
}

public enum AlertSeverity
{
    Info,
    Warning,
    Critical,
}

/// <summary>
/// A validated alert rule (see <see cref="AlertRuleValidator"/>). <see cref="Filter"/> is an MQTT topic filter: on
/// topics for threshold and staleness rules, on device ids (<c>home/sensor1</c>) for presence rules. An empty
/// <see cref="Metric"/> means every number on a matching topic. <see cref="For"/> is how long the condition must
/// hold (threshold), the device stay offline (presence) or the series stay silent (staleness) before the alert is
/// raised. Fields a kind does not use are zero. A health rule has no filter: it watches its <see cref="Signal"/>, counted
/// over <see cref="Window"/> for counts (failed logins in the last 5 min).
/// </summary>
public sealed record AlertRule(
    long Id,
    string Name,
    AlertRuleKind Kind,
    string Filter,
    string? Metric,
    AlertOperator Operator,
    double Threshold,
    double Low,
    double High,
    double Hysteresis,
    TimeSpan For,
    AlertSeverity Severity,
    bool Enabled)
{
    /// <summary>The notification channels (their ids) this rule's alerts are sent to, besides the UI, the hub and MQTT.</summary>
    public IReadOnlyList<long> Channels { get; init; } = [];

    /// <summary>What a health rule watches; null for the other kinds.</summary>
    public HealthSignal? Signal { get; init; }

    /// <summary>How far back a health rule counts (dropped messages, refused connections, failed logins); zero otherwise.</summary>
    public TimeSpan Window { get; init; }

    /// <summary>Value equality, the channels' ids included (a list compares by reference otherwise).</summary>
    public bool Equals(AlertRule? other) =>
        other is not null && Id == other.Id && Name == other.Name && Metric == other.Metric && Severity == other.Severity
        && SameConditionAs(other) && Channels.SequenceEqual(other.Channels);

    public override int GetHashCode() => HashCode.Combine(Id, Name, Kind, Filter, Threshold, For);

    /// <summary>Whether <paramref name="value"/> starts an alert (a pending one when <see cref="For"/> is set).</summary>
    public bool Raises(double value) => Operator switch
    {
        AlertOperator.Above => value > Threshold,
        AlertOperator.AtLeast => value >= Threshold,
        AlertOperator.Below => value < Threshold,
        AlertOperator.AtMost => value <= Threshold,
        AlertOperator.Equal => value == Threshold,
        AlertOperator.NotEqual => value != Threshold,
        AlertOperator.Outside => value < Low || value > High,
        _ => false,
    };

    /// <summary>
    /// Whether a raised alert stays raised at <paramref name="value"/>: the condition with its threshold moved back by
    /// the hysteresis, so <c>&gt; 25</c> with hysteresis 1 holds above 24 and clears at 24 or below.
    /// </summary>
    public bool Holds(double value) => Operator switch
    {
        AlertOperator.Above => value > Threshold - Hysteresis,
        AlertOperator.AtLeast => value >= Threshold - Hysteresis,
        AlertOperator.Below => value < Threshold + Hysteresis,
        AlertOperator.AtMost => value <= Threshold + Hysteresis,
        AlertOperator.Outside => value < Low + Hysteresis || value > High - Hysteresis,
        _ => Raises(value),
    };

    /// <summary>Whether a reading of <paramref name="metric"/> on <paramref name="topic"/> concerns this rule (threshold and staleness rules).</summary>
    public bool MatchesTopic(string topic) =>
        Dashboard.Broker.MqttTopic.Matches(Filter, topic);

    public bool MatchesMetric(string metric) => string.IsNullOrEmpty(Metric) || Metric == metric;

    /// <summary>Whether two versions of a rule judge the same way (so open alerts can stay open across the edit).</summary>
    public bool SameConditionAs(AlertRule other) =>
        Kind == other.Kind && Filter == other.Filter && (Metric ?? "") == (other.Metric ?? "") && Operator == other.Operator
        && Threshold.Equals(other.Threshold) && Low.Equals(other.Low) && High.Equals(other.High)
        && Hysteresis.Equals(other.Hysteresis) && For == other.For && Enabled == other.Enabled
        && Signal == other.Signal && Window == other.Window;

    /// <summary>The condition in words: <c>&gt; 25 for 10 s (clears at 24)</c>, <c>offline for 30 s</c>, <c>no reading for 60 s</c>.</summary>
    public string DescribeCondition(bool withClearing = true)
    {
        var duration = For > TimeSpan.Zero ? " for " + AlertText.Duration(For) : "";
        return Kind switch
        {
            AlertRuleKind.Presence => For > TimeSpan.Zero ? $"offline for more than {AlertText.Duration(For)}" : "offline",
            AlertRuleKind.Staleness => $"no reading for {AlertText.Duration(For)}",
            AlertRuleKind.Health when Signal is { } signal && HealthSignals.IsCount(signal) =>
                $"{(Operator == AlertOperator.AtLeast ? "at least" : "more than")} {AlertText.Number(Threshold)} {HealthSignals.Title(signal)} in {AlertText.Duration(Window)}{duration}{ClearsAt(withClearing)}",
            AlertRuleKind.Health when Signal is { } signal =>
                $"{HealthSignals.Title(signal)} {AlertText.Symbol(Operator)} {AlertText.Number(Threshold)}{HealthSignals.Unit(signal)}{duration}{ClearsAt(withClearing)}",
            _ when Operator == AlertOperator.Outside => $"outside {AlertText.Number(Low)} … {AlertText.Number(High)}{duration}{ClearsAt(withClearing)}",
            _ => $"{AlertText.Symbol(Operator)} {AlertText.Number(Threshold)}{duration}{ClearsAt(withClearing)}",
        };
    }

    private string ClearsAt(bool wanted) => wanted && Hysteresis > 0 ? Operator switch
    {
        AlertOperator.Above => $" (clears at {AlertText.Number(Threshold - Hysteresis)})",
        AlertOperator.AtLeast => $" (clears below {AlertText.Number(Threshold - Hysteresis)})",
        AlertOperator.Below => $" (clears at {AlertText.Number(Threshold + Hysteresis)})",
        AlertOperator.AtMost => $" (clears above {AlertText.Number(Threshold + Hysteresis)})",
        AlertOperator.Outside => $" (clears inside {AlertText.Number(Low + Hysteresis)} … {AlertText.Number(High - Hysteresis)})",
        _ => "",
    } : "";
}

/// <summary>How alert rules and alerts read, in the UI, the API's messages, MQTT and webhooks.</summary>
public static class AlertText
{
    public static string Symbol(AlertOperator op) => op switch
    {
        AlertOperator.Above => ">",
        AlertOperator.AtLeast => ">=",
        AlertOperator.Below => "<",
        AlertOperator.AtMost => "<=",
        AlertOperator.Equal => "==",
        AlertOperator.NotEqual => "!=",
        _ => "outside",
    };

    public static string Severity(AlertSeverity severity) => severity switch
    {
        AlertSeverity.Info => "info",
        AlertSeverity.Critical => "critical",
        _ => "warning",
    };

    public static string Kind(AlertRuleKind kind) => kind switch
    {
        AlertRuleKind.Presence => "presence",
        AlertRuleKind.Staleness => "staleness",
        AlertRuleKind.Health => "health",
        _ => "threshold",
    };

    public static string State(AlertState state) => state switch
    {
        AlertState.Acknowledged => "acknowledged",
        AlertState.Cleared => "cleared",
        _ => "active",
    };

    public static string Number(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);

    /// <summary>A rule's overflow in words: <c>and 35,900 more series</c>.</summary>
    public static string MoreSeries(int count) =>
        string.Create(CultureInfo.InvariantCulture, $"and {count:N0} more series");

    public static string Duration(TimeSpan duration) => duration.TotalSeconds switch
    {
        < 120 => $"{Number(duration.TotalSeconds)} s",
        < 7200 when duration.TotalSeconds % 60 == 0 => $"{duration.TotalMinutes:0} min",
        < 7200 => $"{(int)duration.TotalSeconds} s",
        _ when duration.TotalSeconds % 3600 == 0 => $"{duration.TotalHours:0} h",
        _ => $"{duration.TotalMinutes:0} min",
    };
}
