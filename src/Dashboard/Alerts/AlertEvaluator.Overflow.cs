namespace Dashboard.Alerts;

// The per-rule cap on open alerts: series beyond it are counted in the rule's overflow, not raised one by one.
public sealed partial class AlertEvaluator
{
    private readonly Dictionary<long, RuleTally> _tallies = [];
    private readonly HashSet<long> _overflowing = [];
    private readonly List<long> _scratchRules = [];

    /// <summary>Series counted in some rule's overflow, in all.</summary>
    public int OverflowCount { get; private set; }

    /// <summary>The rules with more series meeting their condition than <c>maxOpenPerRule</c>: how many more, by rule.</summary>
    public IReadOnlyList<AlertOverflow> Overflows()
    {
        var overflows = new List<AlertOverflow>(_overflowing.Count);
        foreach (var ruleId in _overflowing)
        {
            if (_rules.TryGetValue(ruleId, out var rule) && _tallies.TryGetValue(ruleId, out var tally) && tally.Overflow.Count > 0)
            {
                overflows.Add(Describe(rule, tally));
            }
        }

        return overflows;
    }

    /// <summary>
    /// The overflows whose count changed since the last call (a count of 0: the overflow is over), so a storm is told
    /// as one change per rule per tick, not one per series. Costs one look at each rule with open alerts.
    /// </summary>
    public IReadOnlyList<AlertOverflow> TakeOverflowChanges()
    {
        List<AlertOverflow>? changes = null;
        _scratchRules.Clear();
        foreach (var (ruleId, tally) in _tallies)
        {
            if (tally.Overflow.Count != tally.Reported)
            {
                tally.Reported = tally.Overflow.Count;
                if (_rules.TryGetValue(ruleId, out var rule))
                {
                    (changes ??= []).Add(Describe(rule, tally));
                }
            }

            if (tally is { Open: 0, Reported: 0 })
            {
                _scratchRules.Add(ruleId);
            }
        }

        foreach (var ruleId in _scratchRules)
        {
            _tallies.Remove(ruleId);
        }

        return changes ?? (IReadOnlyList<AlertOverflow>)[];
    }

    private static AlertOverflow Describe(AlertRule rule, RuleTally tally) =>
        new(rule.Id, rule.Name, rule.Severity, tally.Open, tally.Overflow.Count, tally.OverflowSince);

    private RuleTally Tally(long ruleId)
    {
        if (!_tallies.TryGetValue(ruleId, out var tally))
        {
            _tallies.Add(ruleId, tally = new RuleTally());
        }

        return tally;
    }

    private void Overflow(long ruleId, SeriesKey key, Series series, DateTimeOffset time)
    {
        var tally = Tally(ruleId);
        if (tally.Overflow.Count == 0)
        {
            tally.OverflowSince = time;
        }

        series.Overflowed = true;
        tally.Overflow.Add(key);
        _overflowing.Add(ruleId);
        OverflowCount++;
    }

    private void Unoverflow(SeriesKey key, Series series)
    {
        series.Overflowed = false;
        if (_tallies.TryGetValue(key.RuleId, out var tally) && tally.Overflow.Remove(key))
        {
            OverflowCount--;
        }
    }

    /// <summary>
    /// Once a rule's open alerts and overflow together fit under the cap again, its overflowed series become alerts of
    /// their own: at most <c>maxOpenPerRule</c> raises, and only then, so series recovering one by one from a storm do
    /// not raise a successor each.
    /// </summary>
    private void PromoteOverflows(DateTimeOffset now, List<AlertTransition> output)
    {
        if (_overflowing.Count == 0)
        {
            return;
        }

        _scratchRules.Clear();
        foreach (var ruleId in _overflowing)
        {
            if (!_tallies.TryGetValue(ruleId, out var tally) || tally.Overflow.Count == 0)
            {
                _scratchRules.Add(ruleId);
            }
            else if (tally.Open + tally.Overflow.Count <= maxOpenPerRule && _rules.TryGetValue(ruleId, out var rule))
            {
                _scratchRules.Add(ruleId);
                _scratchKeys.Clear();
                _scratchKeys.AddRange(tally.Overflow);
                foreach (var key in _scratchKeys)
                {
                    var series = _series[key];
                    Unoverflow(key, series);
                    Raise(rule, key, series, now, output);
                }

                _scratchKeys.Clear();
            }
        }

        foreach (var ruleId in _scratchRules)
        {
            _overflowing.Remove(ruleId);
        }
    }

    /// <summary>A rule's open alerts and the series beyond them.</summary>
    private sealed class RuleTally
    {
        public int Open { get; set; }
        public HashSet<SeriesKey> Overflow { get; } = [];
        public DateTimeOffset OverflowSince { get; set; }

        /// <summary>The overflow count last handed out by <see cref="TakeOverflowChanges"/>.</summary>
        public int Reported { get; set; }
    }
}
