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
/// <para>A rule holds at most <c>maxOpenPerRule</c> open alerts; further series that meet its condition are counted in
/// the rule's overflow instead ("and N more series", <see cref="Overflows"/>), see AlertEvaluator.Overflow.cs.</para>
/// <para>A <see cref="Tick"/> only looks at series that are due (a queue ordered by due time), so its cost does not grow
/// with the number of open alerts or of quiet series.</para>
/// </remarks>
public sealed partial class AlertEvaluator(long nextAlertId = 1, int maxSeries = 50_000, int maxOpenPerRule = 100)
{
    private readonly Dictionary<long, AlertRule> _rules = [];
    private readonly Dictionary<SeriesKey, Series> _series = [];
    private readonly Dictionary<long, SeriesKey> _open = [];
    private readonly Dictionary<string, AlertRule[]> _topicRules = new(StringComparer.Ordinal);
    private readonly PriorityQueue<(SeriesKey Key, Series Series), DateTimeOffset> _due = new();
    private readonly List<SeriesKey> _scratchKeys = [];
    private AlertRule[] _readingRules = [];
    private AlertRule[] _presenceRules = [];
    private long _nextAlertId = nextAlertId;
    private int _acknowledged;

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

    /// <summary>Open alerts that nobody has acknowledged yet.</summary>
    public int ActiveCount => _open.Count - _acknowledged;

    public int AcknowledgedCount => _acknowledged;

    /// <summary>
    /// One page of open alerts (of one <paramref name="state"/> and rule, when given): active before acknowledged, newest
    /// first, with how many there are in all. Sorts the open alerts, which the per-rule cap bounds.
    /// </summary>
    public (IReadOnlyList<Alert> Items, int Total) OpenAlertsPage(AlertState? state, long? ruleId, int offset, int limit)
    {
        var matching = new List<Alert>(Math.Min(_open.Count, 1024));
        foreach (var key in _open.Values)
        {
            var alert = _series[key].Alert!;
            if ((state is null || alert.State == state) && (ruleId is null || alert.RuleId == ruleId))
            {
                matching.Add(alert);
            }
        }

        matching.Sort(NewestFirst);
        return ([.. matching.Skip(offset).Take(limit)], matching.Count);
    }

    /// <summary>Active before acknowledged before cleared, then the newest first.</summary>
    public static int NewestFirst(Alert a, Alert b) =>
        a.State != b.State ? a.State.CompareTo(b.State)
        : a.RaisedAt != b.RaisedAt ? b.RaisedAt.CompareTo(a.RaisedAt)
        : b.Id.CompareTo(a.Id);

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

    /// <summary>
    /// Raises what has waited long enough (pending thresholds, offline devices, silent series), taking only the due ones
    /// from the queue; then turns a rule's overflow back into alerts once they all fit under the cap.
    /// </summary>
    public void Tick(DateTimeOffset now, List<AlertTransition> output)
    {
        while (_due.TryPeek(out var entry, out var due) && due <= now)
        {
            _due.Dequeue();
            var (key, series) = entry;
            if (!_series.TryGetValue(key, out var current) || !ReferenceEquals(current, series))
            {
                continue; // dropped since (or dropped and followed afresh, with an entry of its own)
            }

            series.Queued = false;
            if (series.Alert is not null || series.Overflowed || !_rules.TryGetValue(key.RuleId, out var rule) || rule.Kind == AlertRuleKind.Health)
            {
                continue; // health series are judged at every tick, with their figures (OnHealth)
            }

            var dueAt = series.Since + rule.For;
            if (dueAt > now)
            {
                Enqueue(key, series, dueAt); // heard from again since it was queued (staleness)
                continue;
            }

            Raise(rule, key, series, now, output);
        }

        PromoteOverflows(now, output);
    }

    /// <summary>Puts a waiting series in the due queue (once: a later due time is found when it comes up).</summary>
    private void Enqueue(SeriesKey key, Series series, DateTimeOffset due)
    {
        if (_due.Count > 2 * _series.Count + 1024)
        {
            RebuildDueQueue(); // entries of series dropped since pile up when series come and go; amortized over as many adds
            if (series.Queued)
            {
                return;
            }
        }

        _due.Enqueue((key, series), due);
        series.Queued = true;
    }

    private void RebuildDueQueue()
    {
        _due.Clear();
        foreach (var (key, series) in _series)
        {
            series.Queued = false;
            if (series.Alert is null && !series.Overflowed && _rules.TryGetValue(key.RuleId, out var rule) && rule.Kind != AlertRuleKind.Health)
            {
                _due.Enqueue((key, series), series.Since + rule.For);
                series.Queued = true;
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
        _readingRules = [.. enabled.Where(r => r.Kind is AlertRuleKind.Threshold or AlertRuleKind.Staleness)];
        _presenceRules = [.. enabled.Where(r => r.Kind == AlertRuleKind.Presence)];
        RebuildHealthRules(enabled);
        _topicRules.Clear();
    }
}
