namespace Dashboard.Alerts;

// Series lifecycle: restore, add (capped at maxSeries), raise, acknowledge, clear, drop; the notification text.
public sealed partial class AlertEvaluator
{
    /// <summary>
    /// Takes back an alert that was open when the app stopped (rules first). One whose rule is gone or disabled is
    /// cleared instead.
    /// </summary>
    public void Restore(Alert alert, DateTimeOffset now, List<AlertTransition> output)
    {
        _nextAlertId = Math.Max(_nextAlertId, alert.Id + 1);
        if (!alert.IsOpen)
        {
            return;
        }

        if (!_rules.TryGetValue(alert.RuleId, out var rule) || !rule.Enabled)
        {
            output.Add(new(Cleared(alert, now, null, "rule no longer active")));
            return;
        }

        var key = new SeriesKey(alert.RuleId, alert.Subject, alert.Metric);
        if (_series.TryGetValue(key, out var existing))
        {
            if (existing.Alert is not null)
            {
                Clear(existing, now, null, "replaced by a newer alert", output);
            }
            else if (existing.Overflowed)
            {
                Unoverflow(key, existing);
            }
        }

        var series = new Series { Since = now, LastValue = alert.Value };
        _series[key] = series;
        if (Tally(rule.Id).Open >= maxOpenPerRule)
        {
            // Kept from a storm before the cap (or a lower one): the series is counted, its alert closed.
            output.Add(new(Cleared(alert, now, null, "counted in the rule's overflow (Alerts:MaxOpenAlertsPerRule)")));
            Overflow(rule.Id, key, series, now);
            return;
        }

        Opened(series, key, alert);
    }

    /// <summary>
    /// Takes an alert as the judging instance's engine has it now (this one being a copy, kept for its own pages): opens,
    /// updates or closes it here as it is, judging nothing and reporting nothing.
    /// </summary>
    public void Mirror(Alert alert)
    {
        _nextAlertId = Math.Max(_nextAlertId, alert.Id + 1);
        var key = new SeriesKey(alert.RuleId, alert.Subject, alert.Metric);
        _series.TryGetValue(key, out var series);
        if (series?.Alert is { } shown)
        {
            if (!alert.IsOpen && shown.Id != alert.Id)
            {
                return; // an older alert of the series, closed after a newer one opened
            }

            Closed(series, shown);
        }

        if (!alert.IsOpen)
        {
            _series.Remove(key);
            return;
        }

        if (series is null)
        {
            series = new Series { Since = alert.RaisedAt };
            _series[key] = series;
        }

        series.LastValue = alert.Value;
        Opened(series, key, alert);
    }

    /// <summary>
    /// Acknowledges an open alert; it stays acknowledged until it clears. Returns the alert (unchanged when it was
    /// acknowledged already), or null when no open alert has that id. <paramref name="by"/> (who) is kept as the event's note.
    /// </summary>
    public Alert? Acknowledge(long alertId, DateTimeOffset now, List<AlertTransition> output, string? by = null)
    {
        if (!_open.TryGetValue(alertId, out var key))
        {
            return null;
        }

        var series = _series[key];
        var alert = series.Alert!;
        if (alert.State == AlertState.Acknowledged)
        {
            return alert;
        }

        alert = alert with
        {
            State = AlertState.Acknowledged,
            AcknowledgedAt = now,
            Events = [.. alert.Events, new AlertEvent(AlertState.Acknowledged, now, series.LastValue, by is null ? null : $"by {by}")],
        };
        series.Alert = alert;
        _acknowledged++;
        output.Add(new(alert));
        return alert;
    }

    /// <summary>Follows a new series, waiting from <paramref name="since"/>; null when <c>maxSeries</c> are followed already.</summary>
    private Series? Add(AlertRule rule, SeriesKey key, DateTimeOffset since)
    {
        if (_series.Count >= maxSeries)
        {
            SeriesDropped++;
            return null;
        }

        var series = new Series { Since = since };
        _series.Add(key, series);
        if (rule.Kind != AlertRuleKind.Health)
        {
            Enqueue(key, series, since + rule.For); // health series are judged at every tick anyway
        }

        return series;
    }

    private void RaiseIfDue(AlertRule rule, SeriesKey key, Series series, DateTimeOffset time, List<AlertTransition> output)
    {
        if (time - series.Since >= rule.For)
        {
            Raise(rule, key, series, time, output);
        }
    }

    private void Raise(AlertRule rule, SeriesKey key, Series series, DateTimeOffset time, List<AlertTransition> output, string? message = null)
    {
        if (Tally(rule.Id).Open >= maxOpenPerRule)
        {
            Overflow(rule.Id, key, series, time);
            return;
        }

        var id = _nextAlertId++;
        var alert = new Alert(
            id, rule.Id, rule.Name, rule.Kind, rule.Severity, key.Subject, key.Metric, AlertState.Active, time, series.LastValue,
            null, null, message ?? Message(rule, key.Subject, key.Metric, series.LastValue),
            [new AlertEvent(AlertState.Active, time, series.LastValue, null)]);
        Opened(series, key, alert);
        output.Add(new(alert));
    }

    private void Opened(Series series, SeriesKey key, Alert alert)
    {
        series.Alert = alert;
        _open[alert.Id] = key;
        Tally(key.RuleId).Open++;
        if (alert.State == AlertState.Acknowledged)
        {
            _acknowledged++;
        }
    }

    private void Clear(Series series, DateTimeOffset time, double? value, string? note, List<AlertTransition> output)
    {
        var open = series.Alert!;
        Closed(series, open);
        output.Add(new(Cleared(open, time, value, note)));
    }

    private void Closed(Series series, Alert open)
    {
        _open.Remove(open.Id);
        Tally(open.RuleId).Open--;
        if (open.State == AlertState.Acknowledged)
        {
            _acknowledged--;
        }

        series.Alert = null;
    }

    private static Alert Cleared(Alert alert, DateTimeOffset time, double? value, string? note) => alert with
    {
        State = AlertState.Cleared,
        ClearedAt = time,
        Events = [.. alert.Events, new AlertEvent(AlertState.Cleared, time, value, note)],
    };

    /// <summary>Stops tracking a series, clearing its alert first if it has one open.</summary>
    private void Drop(SeriesKey key, Series series, DateTimeOffset time, double? value, string? note, List<AlertTransition> output)
    {
        if (series.Alert is not null)
        {
            Clear(series, time, value, note, output);
        }
        else if (series.Overflowed)
        {
            Unoverflow(key, series);
        }

        _series.Remove(key);
    }

    private void DropSeries(long ruleId, DateTimeOffset now, string note, List<AlertTransition> output)
    {
        _scratchKeys.Clear();
        foreach (var key in _series.Keys)
        {
            if (key.RuleId == ruleId)
            {
                _scratchKeys.Add(key);
            }
        }

        foreach (var key in _scratchKeys)
        {
            Drop(key, _series[key], now, null, note, output);
        }

        _scratchKeys.Clear();
    }

    /// <summary>What a notification says: <c>home/livingroom/temperature is 26.3 (&gt; 25 for 10 s)</c>.</summary>
    internal static string Message(AlertRule rule, string subject, string metric, double? value)
    {
        var what = metric.Length == 0 || subject.EndsWith("/" + metric, StringComparison.Ordinal) || subject == metric
            ? subject
            : $"{subject} {metric}";
        return rule.Kind switch
        {
            AlertRuleKind.Presence => $"{subject} is {rule.DescribeCondition()}",
            AlertRuleKind.Staleness => $"No reading on {what} for {AlertText.Duration(rule.For)}",
            AlertRuleKind.Health => $"{subject} is {(value is { } h ? AlertText.Number(h) : "?")} ({rule.DescribeCondition(withClearing: false)})",
            _ => $"{what} is {(value is { } v ? AlertText.Number(v) : "?")} ({rule.DescribeCondition(withClearing: false)})",
        };
    }

    private readonly record struct SeriesKey(long RuleId, string Subject, string Metric);

    private sealed class Series
    {
        public DateTimeOffset Since { get; set; }
        public double? LastValue { get; set; }
        public Alert? Alert { get; set; }

        /// <summary>Its condition holds, but the rule had its maximum of open alerts: counted in the rule's overflow instead.</summary>
        public bool Overflowed { get; set; }

        /// <summary>Has an entry in the due queue (one is enough: a later due time is found when it comes up).</summary>
        public bool Queued { get; set; }
    }
}
