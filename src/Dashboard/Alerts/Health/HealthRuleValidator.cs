namespace Dashboard.Alerts.Health;

/// <summary>A health rule's own fields, validated.</summary>
internal sealed record HealthRuleParts(HealthSignal Signal, AlertOperator Operator, double Threshold, double Hysteresis, TimeSpan Window);

/// <summary>The health part of <see cref="AlertRuleValidator"/>: signal, operator, threshold, hysteresis and window.</summary>
internal static class HealthRuleValidator
{
    /// <summary>Checks a health rule's fields, telling <paramref name="error"/> (field, message) what is wrong; null when the signal is.</summary>
    public static HealthRuleParts? Validate(AlertRuleInput input, Action<string, string> error)
    {
        if (string.IsNullOrWhiteSpace(input.Signal))
        {
            error("signal", $"Choose what to watch: {HealthSignals.Names}.");
            return null;
        }

        if (HealthSignals.Parse(input.Signal) is not { } signal)
        {
            error("signal", $"Unknown signal '{input.Signal}': use {HealthSignals.Names}.");
            return null;
        }

        // Counts and the backlog alert when they go up, free space when it goes down: the other way round never helps.
        var low = HealthSignals.AlertsWhenLow(signal);
        var op = low ? AlertOperator.Below : AlertOperator.Above;
        if (!string.IsNullOrWhiteSpace(input.Operator))
        {
            var parsed = AlertRuleValidator.ParseOperator(input.Operator);
            if (low ? parsed is AlertOperator.Below or AlertOperator.AtMost : parsed is AlertOperator.Above or AlertOperator.AtLeast)
            {
                op = parsed.Value;
            }
            else
            {
                error("operator", $"{Capitalized(HealthSignals.Title(signal))} alert {(low ? "when low: use < or <=" : "when high: use > or >=")}.");
            }
        }

        var max = signal == HealthSignal.FreeDiskPercent ? 100 : 1e12;
        var threshold = input.Threshold ?? double.NaN;
        if (input.Threshold is null)
        {
            error("threshold", "The threshold is needed" + signal switch
            {
                HealthSignal.FreeDiskMegabytes => ", in MB, e.g. 1000.",
                HealthSignal.FreeDiskPercent => ", in percent, e.g. 10.",
                HealthSignal.IngestionBacklog => ", in events waiting, e.g. 10000.",
                _ => ", e.g. 10 (more than 10 in the window).",
            });
        }
        else if (!double.IsFinite(threshold) || threshold < 0 || threshold > max)
        {
            error("threshold", signal == HealthSignal.FreeDiskPercent ? "Give a percentage from 0 to 100." : "Give a number of zero or more.");
        }

        var hysteresis = input.Hysteresis ?? 0;
        if (!double.IsFinite(hysteresis) || hysteresis < 0)
        {
            error("hysteresis", "Hysteresis is a number of zero or more (how far back the value must come before the alert clears).");
        }

        var window = TimeSpan.Zero;
        if (HealthSignals.IsCount(signal))
        {
            if (input.WindowSeconds is not { } seconds)
            {
                error("windowSeconds", $"Say how far back to count, in seconds (300: {HealthSignals.Title(signal)} in the last 5 min).");
            }
            else if (!double.IsFinite(seconds) || seconds < 1 || seconds > HealthSignals.MaxWindow.TotalSeconds)
            {
                error("windowSeconds", $"Give a number of seconds from 1 to {HealthSignals.MaxWindow.TotalSeconds:0} (a day).");
            }
            else
            {
                window = TimeSpan.FromSeconds(seconds);
            }
        }
        else if (input.WindowSeconds is > 0)
        {
            error("windowSeconds", $"The {HealthSignals.Title(signal)} is a level, not a count: it has no window (use forSeconds for how long it must last).");
        }

        return new HealthRuleParts(signal, op, double.IsFinite(threshold) ? threshold : 0, double.IsFinite(hysteresis) ? hysteresis : 0, window);
    }

    private static string Capitalized(string text) => char.ToUpperInvariant(text[0]) + text[1..];
}
