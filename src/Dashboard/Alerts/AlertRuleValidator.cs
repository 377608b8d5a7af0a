using Dashboard.Alerts.Health;
using Dashboard.Broker;

namespace Dashboard.Alerts;

/// <summary>
/// An alert rule as a user or a script writes it: the body of <c>POST/PUT /api/alert-rules</c> and the model of
/// the rule form. Strings for the choices, so an unknown one gets a message naming it instead of a parse error.
/// </summary>
public sealed class AlertRuleInput
{
    /// <summary><c>threshold</c> (the default, or <c>health</c> when a <see cref="Signal"/> is given), <c>presence</c>, <c>staleness</c> or <c>health</c>.</summary>
    public string? Kind { get; set; }
    public string? Name { get; set; }
    public string? Filter { get; set; }
    public string? Metric { get; set; }

    /// <summary><c>&gt;</c>, <c>&gt;=</c>, <c>&lt;</c>, <c>&lt;=</c>, <c>==</c>, <c>!=</c> or <c>outside</c> (with <see cref="Low"/> and <see cref="High"/>).</summary>
    public string? Operator { get; set; }
    public double? Threshold { get; set; }
    public double? Low { get; set; }
    public double? High { get; set; }
    public double? Hysteresis { get; set; }
    public double? ForSeconds { get; set; }

    /// <summary><c>info</c>, <c>warning</c> (the default) or <c>critical</c>.</summary>
    public string? Severity { get; set; }
    public bool? Enabled { get; set; }

    /// <summary>Ids of the notification channels the rule's alerts go to; none (or null) for none.</summary>
    public List<long>? Channels { get; set; }

    /// <summary>A health rule's signal: <c>dropped-messages</c>, <c>refused-connections</c>, <c>failed-logins</c>, <c>ingestion-backlog</c>, <c>free-disk-mb</c>, <c>free-disk-percent</c>.</summary>
    public string? Signal { get; set; }

    /// <summary>A health count's window: how many in the last N seconds.</summary>
    public double? WindowSeconds { get; set; }

    public static AlertRuleInput From(AlertRule rule) => new()
    {
        Kind = AlertText.Kind(rule.Kind),
        Name = rule.Name,
        Filter = rule.Filter,
        Metric = rule.Metric,
        Operator = rule.Kind is AlertRuleKind.Threshold or AlertRuleKind.Health ? AlertText.Symbol(rule.Operator) : null,
        Threshold = rule.Kind is AlertRuleKind.Threshold or AlertRuleKind.Health && rule.Operator != AlertOperator.Outside ? rule.Threshold : null,
        Low = rule.Operator == AlertOperator.Outside ? rule.Low : null,
        High = rule.Operator == AlertOperator.Outside ? rule.High : null,
        Hysteresis = rule.Kind is AlertRuleKind.Threshold or AlertRuleKind.Health ? rule.Hysteresis : null,
        Signal = rule.Signal is { } signal ? HealthSignals.Name(signal) : null,
        WindowSeconds = rule.Signal is { } counted && HealthSignals.IsCount(counted) ? rule.Window.TotalSeconds : null,
        ForSeconds = rule.For.TotalSeconds,
        Severity = AlertText.Severity(rule.Severity),
        Enabled = rule.Enabled,
        Channels = [.. rule.Channels],
    };
}

/// <summary>The outcome of <see cref="AlertRuleValidator.Validate"/>: a rule, or errors by field (camelCase, as in the API).</summary>
public sealed record AlertRuleValidation(AlertRule? Rule, IReadOnlyDictionary<string, string[]> Errors)
{
    public bool IsValid => Rule is not null;

    public string? ErrorFor(string field) => Errors.TryGetValue(field, out var messages) ? messages[0] : null;
}

/// <summary>The one validator of alert rules, used by the API (400 problem details) and the rule form (field messages).</summary>
public static class AlertRuleValidator
{
    public const int MaxNameLength = 100;
    public const int MaxFilterLength = 256;
    public const int MaxMetricLength = 128;
    public const double MaxForSeconds = 7 * 24 * 3600;

    public const string Operators = ">, >=, <, <=, ==, != or outside";

    /// <param name="input">What was sent.</param>
    /// <param name="id">The rule's id (0 for a new rule).</param>
    /// <param name="otherNames">Names of the other rules: names are unique, ignoring case.</param>
    /// <param name="channels">Ids of the notification channels there are; null when not checked.</param>
    public static AlertRuleValidation Validate(AlertRuleInput input, long id, IEnumerable<string> otherNames, IReadOnlySet<long>? channels = null)
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

        // A rule with a signal and no kind is a health rule: it has no topics a threshold rule would ask for.
        var kind = string.IsNullOrWhiteSpace(input.Kind) && !string.IsNullOrWhiteSpace(input.Signal) ? AlertRuleKind.Health : ParseKind(input.Kind);
        if (kind is null)
        {
            Error("kind", $"Unknown kind '{input.Kind}': use threshold, presence, staleness or health.");
        }

        var name = input.Name?.Trim() ?? "";
        if (name.Length == 0)
        {
            Error("name", "Give the rule a name.");
        }
        else if (name.Length > MaxNameLength)
        {
            Error("name", $"Use at most {MaxNameLength} characters.");
        }
        else if (otherNames.Contains(name, StringComparer.OrdinalIgnoreCase))
        {
            Error("name", $"Another rule is already called '{name}'.");
        }

        var filter = input.Filter?.Trim() ?? "";
        if (kind == AlertRuleKind.Health)
        {
            if (filter.Length > 0)
            {
                Error("filter", "A health rule watches the broker, not topics: leave the filter out.");
            }
        }
        else if (filter.Length == 0)
        {
            Error("filter", kind == AlertRuleKind.Presence
                ? "A device filter is needed, e.g. home/+ or home/sensor1."
                : "A topic filter is needed, e.g. home/+/temperature.");
        }
        else if (filter.Length > MaxFilterLength)
        {
            Error("filter", $"Use at most {MaxFilterLength} characters.");
        }
        else if (!MqttTopic.IsValidFilter(filter))
        {
            Error("filter", $"'{filter}' is not a valid topic filter: + stands for one whole level and # for all remaining levels, only at the end (home/+/temperature, home/#).");
        }

        var metric = string.IsNullOrWhiteSpace(input.Metric) ? null : input.Metric.Trim();
        if (metric is not null && kind == AlertRuleKind.Health)
        {
            Error("metric", "A health rule watches the broker, not a metric: leave it out.");
        }
        else if (metric is not null && (metric.Length > MaxMetricLength || metric.Any(char.IsControl)))
        {
            Error("metric", $"A metric is a field name of at most {MaxMetricLength} characters, e.g. temperature.");
        }

        var health = kind == AlertRuleKind.Health ? HealthRuleValidator.Validate(input, Error) : null;
        if (kind != AlertRuleKind.Health && (!string.IsNullOrWhiteSpace(input.Signal) || input.WindowSeconds is > 0))
        {
            Error(string.IsNullOrWhiteSpace(input.Signal) ? "windowSeconds" : "signal", "Only health rules (kind health) have a signal and a window.");
        }

        var op = AlertOperator.Above;
        double threshold = 0, low = 0, high = 0, hysteresis = 0;
        if (kind == AlertRuleKind.Threshold)
        {
            if (string.IsNullOrWhiteSpace(input.Operator))
            {
                Error("operator", $"Choose an operator: {Operators}.");
            }
            else if (ParseOperator(input.Operator) is { } parsed)
            {
                op = parsed;
            }
            else
            {
                Error("operator", $"Unknown operator '{input.Operator}': use {Operators}.");
            }

            if (op == AlertOperator.Outside)
            {
                low = Number(input.Low, "low", "The low end of the range") ?? 0;
                high = Number(input.High, "high", "The high end of the range") ?? 0;
                if (double.IsFinite(low) && double.IsFinite(high) && input.Low is not null && input.High is not null && low >= high)
                {
                    Error("high", "The high end must be above the low end.");
                }
            }
            else
            {
                threshold = Number(input.Threshold, "threshold", "The threshold") ?? 0;
            }

            hysteresis = input.Hysteresis ?? 0;
            if (!double.IsFinite(hysteresis) || hysteresis < 0)
            {
                Error("hysteresis", "Hysteresis is a number of zero or more (how far back the value must come before the alert clears).");
            }
            else if (hysteresis > 0 && op is AlertOperator.Equal or AlertOperator.NotEqual)
            {
                Error("hysteresis", "Hysteresis applies to >, >=, <, <= and outside, not to == or !=.");
            }
            else if (op == AlertOperator.Outside && !errors.ContainsKey("low") && !errors.ContainsKey("high") && 2 * hysteresis > high - low)
            {
                Error("hysteresis", $"Hysteresis can be at most half the range ({AlertText.Number((high - low) / 2)}), or the alert could never clear.");
            }
        }

        var forSeconds = input.ForSeconds ?? 0;
        if (!double.IsFinite(forSeconds) || forSeconds < 0 || forSeconds > MaxForSeconds)
        {
            Error("forSeconds", $"Give a number of seconds from 0 to {MaxForSeconds:0} (7 days).");
        }
        else if (kind == AlertRuleKind.Staleness && forSeconds < 1)
        {
            Error("forSeconds", "Say how long a series may stay silent: at least 1 second.");
        }

        var severity = ParseSeverity(input.Severity);
        if (severity is null)
        {
            Error("severity", $"Unknown severity '{input.Severity}': use info, warning or critical.");
        }

        var picked = (input.Channels ?? []).Distinct().ToList();
        var unknown = picked.Where(c => c <= 0 || channels?.Contains(c) == false).ToList();
        if (unknown.Count > 0)
        {
            Error("channels", unknown.Count == 1
                ? $"There is no notification channel {unknown[0]}."
                : $"There are no notification channels {string.Join(", ", unknown)}.");
        }

        if (errors.Count > 0)
        {
            return new AlertRuleValidation(null, errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal));
        }

        if (health is { } h)
        {
            (op, threshold, hysteresis) = (h.Operator, h.Threshold, h.Hysteresis);
        }

        var rule = new AlertRule(
            id, name, kind!.Value, filter, kind is AlertRuleKind.Presence or AlertRuleKind.Health ? null : metric, op, threshold, low, high, hysteresis,
            TimeSpan.FromSeconds(forSeconds), severity!.Value, input.Enabled ?? true)
        { Channels = picked, Signal = health?.Signal, Window = health?.Window ?? TimeSpan.Zero };
        return new AlertRuleValidation(rule, new Dictionary<string, string[]>());

        double? Number(double? value, string field, string what)
        {
            if (value is null)
            {
                Error(field, $"{what} is needed.");
                return null;
            }

            if (!double.IsFinite(value.Value))
            {
                Error(field, $"{what} must be a finite number, not {value.Value}.");
                return null;
            }

            return value;
        }
    }

    public static AlertRuleKind? ParseKind(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "threshold" => AlertRuleKind.Threshold,
        "presence" => AlertRuleKind.Presence,
        "staleness" => AlertRuleKind.Staleness,
        "health" => AlertRuleKind.Health,
        _ => null,
    };

    public static AlertOperator? ParseOperator(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        ">" => AlertOperator.Above,
        ">=" => AlertOperator.AtLeast,
        "<" => AlertOperator.Below,
        "<=" => AlertOperator.AtMost,
        "==" => AlertOperator.Equal,
        "!=" => AlertOperator.NotEqual,
        "outside" => AlertOperator.Outside,
        _ => null,
    };

    public static AlertSeverity? ParseSeverity(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "warning" => AlertSeverity.Warning,
        "info" => AlertSeverity.Info,
        "critical" => AlertSeverity.Critical,
        _ => null,
    };
}
