using Dashboard.Alerts;
using Dashboard.Components.Devices;
using MudBlazor;

namespace Dashboard.Components.Alerts;

/// <summary>How alerts and rules read on every page.</summary>
internal static class AlertFormat
{
    public static Color SeverityColor(AlertSeverity severity) => severity switch
    {
        AlertSeverity.Critical => Color.Error,
        AlertSeverity.Info => Color.Info,
        _ => Color.Warning,
    };

    public static Severity SnackbarSeverity(AlertSeverity severity) => severity switch
    {
        AlertSeverity.Critical => Severity.Error,
        AlertSeverity.Info => Severity.Info,
        _ => Severity.Warning,
    };

    public static string SeverityIcon(AlertSeverity severity) => severity switch
    {
        AlertSeverity.Critical => Icons.Material.Filled.Error,
        AlertSeverity.Info => Icons.Material.Filled.Info,
        _ => Icons.Material.Filled.Warning,
    };

    public static string SeverityText(AlertSeverity severity) => severity switch
    {
        AlertSeverity.Critical => "Critical",
        AlertSeverity.Info => "Info",
        _ => "Warning",
    };

    public static string StateText(AlertState state) => state switch
    {
        AlertState.Acknowledged => "Acknowledged",
        AlertState.Cleared => "Cleared",
        _ => "Active",
    };

    public static Color StateColor(AlertState state) => state switch
    {
        AlertState.Active => Color.Error,
        AlertState.Acknowledged => Color.Warning,
        _ => Color.Success,
    };

    /// <summary>What a rule looks at: <c>home/+/temperature</c>, <c>home/# · temperature</c>, <c>devices home/+</c>, <c>broker: failed logins</c>.</summary>
    public static string Watches(AlertRule rule) => rule.Kind switch
    {
        AlertRuleKind.Presence => $"devices {rule.Filter}",
        AlertRuleKind.Health when rule.Signal is { } signal => $"broker: {Dashboard.Alerts.Health.HealthSignals.Title(signal)}",
        _ when string.IsNullOrEmpty(rule.Metric) => rule.Filter,
        _ => $"{rule.Filter} · {rule.Metric}",
    };

    public static string KindText(AlertRuleKind kind) => kind switch
    {
        AlertRuleKind.Presence => "Device offline",
        AlertRuleKind.Staleness => "No data",
        AlertRuleKind.Health => "Broker health",
        _ => "Threshold",
    };

    public static string Ago(DateTimeOffset? time, DateTimeOffset now) => DeviceFormat.Ago(time, now);

    /// <summary>How long an alert was open: <c>12 s</c>, <c>4 min</c>, <c>2 h 5 min</c>, <c>3 d</c>.</summary>
    public static string Lasted(Alert alert)
    {
        if (alert.ClearedAt is not { } cleared)
        {
            return "";
        }

        var span = cleared - alert.RaisedAt;
        return span.TotalSeconds switch
        {
            < 60 => $"{Math.Max(0, (int)span.TotalSeconds)} s",
            < 3600 => $"{(int)span.TotalMinutes} min",
            < 86_400 => span.Minutes == 0 ? $"{(int)span.TotalHours} h" : $"{(int)span.TotalHours} h {span.Minutes} min",
            _ => $"{(int)span.TotalDays} d",
        };
    }
}
