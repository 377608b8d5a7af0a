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
public sealed partial class AlertEvaluator(long nextAlertId = 1, int maxSeries = 50_000)
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
        if (_rules.TryGetValue(rule.Id, out var old) && !old.SameConditionAs(rule))
        {
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

    /// <summary>Raises what has waited long enough: pending thresholds, offline devices, silent series.</summary>
    public void Tick(DateTimeOffset now, List<AlertTransition> output)
    {
        foreach (var (key, series) in _series)
        {
            if (series.Alert is null && _rules.TryGetValue(key.RuleId, out var rule))
            {
                RaiseIfDue(rule, key, series, now, output);
            }
        }
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
}
