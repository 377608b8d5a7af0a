namespace Dashboard.Alerts;

/// <summary>
/// Judges readings and presence against the rules and keeps every (rule, series) state machine: normal → waiting
/// → active → acknowledged → cleared → normal. Pure: no I/O, no clock (every call passes the time), no threads
/// (the caller serializes calls). State changes are appended to the caller's list as <see cref="AlertTransition"/>s.
/// </summary>
/// <remarks>
/// <para>A series is waiting when its rule's condition has started: a threshold met since <c>Since</c>, a
/// device offline since <c>Since</c>, or (staleness) a series last heard from at <c>Since</c>. It is raised once
/// that has lasted the rule's <see cref="AlertRule.For"/>: at a reading, or at the next <see cref="Tick"/>.</para>
/// <para>Threshold series exist only while pending or raised, so normal readings cost a lookup and nothing more;
/// staleness series exist for every series a rule has heard from (bounded by <c>maxSeries</c>).</para>
/// <para>A rule whose condition is edited, disabled or deleted clears its open alerts with a note saying why and
/// starts afresh; renaming it or changing its severity leaves them as they are.</para>
/// </remarks>
public sealed class AlertEvaluator(long nextAlertId = 1, int maxSeries = 50_000)
{
    private readonly Dictionary<long, AlertRule> _rules = [];
    private readonly Dictionary<SeriesKey, Series> _series = [];
    private readonly Dictionary<long, SeriesKey> _open = [];
    private readonly Dictionary<string, AlertRule[]> _topicRules = new(StringComparer.Ordinal);
    private readonly List<SeriesKey> _scratchKeys = [];
    private AlertRule[] _readingRules = [];
    private AlertRule[] _presenceRules = [];
    private long _nextAlertId = nextAlertId;

    /// <summary>New series not tracked because <c>maxSeries</c> were already.</summary>
    public long SeriesDropped { get; private set; }

    public int SeriesCount => _series.Count;

    /// <summary>Whether any enabled rule looks at readings; when none does, readings need not be passed in at all.</summary>
    public bool WatchesReadings => _readingRules.Length > 0;

    public bool WatchesPresence => _presenceRules.Length > 0;

    public long NextAlertId => _nextAlertId;

    public IReadOnlyCollection<AlertRule> Rules => _rules.Values;

    public AlertRule? Rule(long id) => _rules.GetValueOrDefault(id);

    public IReadOnlyList<Alert> OpenAlerts() => [.. _open.Values.Select(key => _series[key].Alert!)];

    public Alert? OpenAlert(long id) => _open.TryGetValue(id, out var key) ? _series[key].Alert : null;

    /// <summary>Adds or replaces a rule. A changed condition (or disabling) clears the rule's open alerts.</summary>
    public void SetRule(AlertRule rule, DateTimeOffset now, List<AlertTransition> output)
    {
        if (_rules.TryGetValue(rule.Id, out var old))
        {
            if (old.SameConditionAs(rule))
            {
                _rules[rule.Id] = rule;
                RebuildRuleLists();
                return;
            }

            DropSeries(rule.Id, now, rule.Enabled ? "rule changed" : "rule disabled", output);
        }

        _rules[rule.Id] = rule;
        RebuildRuleLists();
    }

    /// <summary>Removes a rule, clearing its open alerts.</summary>
    public void RemoveRule(long ruleId, DateTimeOffset now, List<AlertTransition> output)
    {
        DropSeries(ruleId, now, "rule deleted", output);
        if (_rules.Remove(ruleId))
        {
            RebuildRuleLists();
        }
    }

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
        if (_series.TryGetValue(key, out var existing) && existing.Alert is { } duplicate)
        {
            _open.Remove(duplicate.Id);
            output.Add(new(Cleared(duplicate, now, null, "replaced by a newer alert")));
        }

        _series[key] = new Series { Since = now, LastValue = alert.Value, Alert = alert };
        _open[alert.Id] = key;
    }

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
                OnStalenessReading(key, value, time, restored, output);
            }
            else if (!restored)
            {
                OnThresholdReading(rule, key, value, time, output);
            }
        }
    }

    /// <summary>A device went online or offline at <paramref name="time"/>.</summary>
    public void OnPresence(string deviceId, bool online, DateTimeOffset time, List<AlertTransition> output)
    {
        foreach (var rule in _presenceRules)
        {
            if (!rule.MatchesTopic(deviceId))
            {
                continue;
            }

            var key = new SeriesKey(rule.Id, deviceId, "");
            _series.TryGetValue(key, out var series);
            if (online)
            {
                if (series is not null)
                {
                    if (series.Alert is not null)
                    {
                        Clear(series, time, null, "device online", output);
                    }

                    _series.Remove(key);
                }

                continue;
            }

            if (series is null && (series = Add(key, time)) is not null && rule.For <= TimeSpan.Zero)
            {
                Raise(rule, key, series, time, output);
            }
        }
    }

    /// <summary>Raises what has waited long enough: pending thresholds, offline devices, silent series.</summary>
    public void Tick(DateTimeOffset now, List<AlertTransition> output)
    {
        foreach (var (key, series) in _series)
        {
            if (series.Alert is null && _rules.TryGetValue(key.RuleId, out var rule) && now - series.Since >= rule.For)
            {
                Raise(rule, key, series, now, output);
            }
        }
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
        output.Add(new(alert));
        return alert;
    }

    private void OnThresholdReading(AlertRule rule, SeriesKey key, double value, DateTimeOffset time, List<AlertTransition> output)
    {
        _series.TryGetValue(key, out var series);
        if (series?.Alert is not null)
        {
            series.LastValue = value;
            if (!rule.Holds(value))
            {
                Clear(series, time, value, null, output);
                _series.Remove(key);
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

        series ??= Add(key, time);
        if (series is null)
        {
            return;
        }

        series.LastValue = value;
        if (time - series.Since >= rule.For)
        {
            Raise(rule, key, series, time, output);
        }
    }

    private void OnStalenessReading(SeriesKey key, double value, DateTimeOffset time, bool restored, List<AlertTransition> output)
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
        }
        else if ((series = Add(key, time)) is null)
        {
            return;
        }

        series.Since = time;
        series.LastValue = value;
    }

    private Series? Add(SeriesKey key, DateTimeOffset since)
    {
        if (_series.Count >= maxSeries)
        {
            SeriesDropped++;
            return null;
        }

        var series = new Series { Since = since };
        _series.Add(key, series);
        return series;
    }

    private void Raise(AlertRule rule, SeriesKey key, Series series, DateTimeOffset time, List<AlertTransition> output)
    {
        var id = _nextAlertId++;
        var alert = new Alert(
            id, rule.Id, rule.Name, rule.Kind, rule.Severity, key.Subject, key.Metric, AlertState.Active, time, series.LastValue,
            null, null, Message(rule, key, series.LastValue),
            [new AlertEvent(AlertState.Active, time, series.LastValue, null)]);
        series.Alert = alert;
        _open[id] = key;
        output.Add(new(alert));
    }

    private void Clear(Series series, DateTimeOffset time, double? value, string? note, List<AlertTransition> output)
    {
        var alert = Cleared(series.Alert!, time, value, note);
        _open.Remove(alert.Id);
        series.Alert = null;
        output.Add(new(alert));
    }

    private static Alert Cleared(Alert alert, DateTimeOffset time, double? value, string? note) => alert with
    {
        State = AlertState.Cleared,
        ClearedAt = time,
        Events = [.. alert.Events, new AlertEvent(AlertState.Cleared, time, value, note)],
    };

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
            var series = _series[key];
            if (series.Alert is not null)
            {
                Clear(series, now, null, note, output);
            }

            _series.Remove(key);
        }

        _scratchKeys.Clear();
    }

    private AlertRule[] RulesFor(string topic)
    {
        if (_readingRules.Length == 0)
        {
            return [];
        }

        if (_topicRules.TryGetValue(topic, out var rules))
        {
            return rules;
        }

        rules = MatchingRules(topic);
        if (_topicRules.Count >= maxSeries)
        {
            _topicRules.Clear(); // a bounded cache: topics come back and are matched again
        }

        _topicRules[topic] = rules;
        return rules;
    }

    // Its own method: a lambda capturing the topic in RulesFor would allocate its closure on every call, cache hit or not.
    private AlertRule[] MatchingRules(string topic) => [.. _readingRules.Where(r => r.MatchesTopic(topic))];

    private void RebuildRuleLists()
    {
        var enabled = _rules.Values.Where(r => r.Enabled).OrderBy(r => r.Id).ToArray();
        _readingRules = [.. enabled.Where(r => r.Kind != AlertRuleKind.Presence)];
        _presenceRules = [.. enabled.Where(r => r.Kind == AlertRuleKind.Presence)];
        _topicRules.Clear();
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
            _ => $"{what} is {(value is { } v ? AlertText.Number(v) : "?")} ({rule.DescribeCondition(withClearing: false)})",
        };
    }

    private static string Message(AlertRule rule, SeriesKey key, double? value) => Message(rule, key.Subject, key.Metric, value);

    private readonly record struct SeriesKey(long RuleId, string Subject, string Metric);

    private sealed class Series
    {
        public DateTimeOffset Since { get; set; }
        public double? LastValue { get; set; }
        public Alert? Alert { get; set; }
    }
}
