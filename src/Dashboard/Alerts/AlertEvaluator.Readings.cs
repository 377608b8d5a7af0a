using Dashboard.Alerts.Health;

namespace Dashboard.Alerts;

// Readings: threshold rules (with hysteresis and for-duration) and staleness rules (no data).
public sealed partial class AlertEvaluator
{
    /// <summary>
    /// A reading arrived at <paramref name="time"/>. A <paramref name="restored"/> one (a retained value replayed at
    /// start-up, or live state's latest value when a rule starts) is old news: it neither raises nor clears, it only
    /// tells staleness rules that the series exists, counting from <paramref name="time"/>.
    /// </summary>
    public void OnReading(string topic, string metric, double value, DateTimeOffset time, bool restored, List<AlertTransition> output)
    {
        var rules = RulesFor(topic);
        foreach (var rule in rules)
        {
            if (!rule.MatchesMetric(metric))
            {
                continue;
            }

            var key = new SeriesKey(rule.Id, topic, metric);
            if (rule.Kind == AlertRuleKind.Staleness)
            {
                OnStalenessReading(rule, key, value, time, restored, output);
            }
            else if (!restored)
            {
                OnThresholdReading(rule, key, value, time, output);
            }
        }
    }

    /// <summary>A threshold rule's reading, or a health rule's figure (with <paramref name="health"/> for its words).</summary>
    private void OnThresholdReading(AlertRule rule, SeriesKey key, double value, DateTimeOffset time, List<AlertTransition> output, IHealthReading? health = null)
    {
        _series.TryGetValue(key, out var series);
        if (series is { Alert: not null } or { Overflowed: true })
        {
            series.LastValue = value;
            if (!rule.Holds(value))
            {
                Drop(key, series, time, value, null, output);
            }

            return;
        }

        if (!rule.Raises(value))
        {
            if (series is not null)
            {
                _series.Remove(key); // the condition broke before it had lasted long enough
            }

            return;
        }

        series ??= Add(rule, key, time);
        if (series is null)
        {
            return;
        }

        series.LastValue = value;
        if (time - series.Since >= rule.For)
        {
            Raise(rule, key, series, time, output, health?.Describe(rule, value));
        }
    }

    private void OnStalenessReading(AlertRule rule, SeriesKey key, double value, DateTimeOffset time, bool restored, List<AlertTransition> output)
    {
        if (_series.TryGetValue(key, out var series))
        {
            if (restored)
            {
                return;
            }

            if (series.Alert is not null)
            {
                Clear(series, time, value, "reading received", output);
            }
            else if (series.Overflowed)
            {
                Unoverflow(key, series);
            }
        }
        else if ((series = Add(rule, key, time)) is null)
        {
            return;
        }

        series.Since = time;
        series.LastValue = value;
        if (!series.Queued)
        {
            Enqueue(key, series, time + rule.For);
        }
    }
}
