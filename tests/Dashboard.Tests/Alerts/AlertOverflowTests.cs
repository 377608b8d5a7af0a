using Dashboard.Alerts;

namespace Dashboard.Tests.Alerts;

/// <summary>The per-rule cap on open alerts (Alerts:MaxOpenAlertsPerRule) and the overflow beyond it.</summary>
public sealed class AlertOverflowTests
{
    private const int Cap = 3;
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly AlertEvaluator _evaluator = new(maxOpenPerRule: Cap);
    private readonly List<AlertTransition> _out = [];

    private static AlertRule Rule(long id = 1, string filter = "#", double threshold = 0, double forSeconds = 0,
        AlertRuleKind kind = AlertRuleKind.Threshold, string name = "Anything above 0") =>
        new(id, name, kind, filter, null, AlertOperator.Above, threshold, 0, 0, 0, TimeSpan.FromSeconds(forSeconds), AlertSeverity.Warning, true);

    private void Set(AlertRule rule) => _evaluator.SetRule(rule, T0, _out);

    private void Reading(int topic, double value, double atSecond = 1) =>
        _evaluator.OnReading($"storm/{topic}/value", "value", value, T0.AddSeconds(atSecond), restored: false, _out);

    private void Tick(double atSecond) => _evaluator.Tick(T0.AddSeconds(atSecond), _out);

    private List<AlertTransition> Take()
    {
        var taken = _out.ToList();
        _out.Clear();
        return taken;
    }

    [Fact]
    public void A_rule_raises_up_to_its_cap_and_counts_the_further_series_in_one_overflow()
    {
        Set(Rule());

        for (var i = 0; i < 10; i++)
        {
            Reading(i, 1);
        }

        Assert.Equal(Cap, Take().Count(t => t.Event.State == AlertState.Active));
        Assert.Equal(Cap, _evaluator.ActiveCount);
        var overflow = Assert.Single(_evaluator.Overflows());
        Assert.Equal((1L, "Anything above 0", Cap, 7, T0.AddSeconds(1)), (overflow.RuleId, overflow.RuleName, overflow.OpenAlerts, overflow.MoreSeries, overflow.Since));
        Assert.Equal(7, _evaluator.OverflowCount);
    }

    [Fact]
    public void Each_rule_has_its_own_cap()
    {
        Set(Rule(id: 1, name: "One"));
        Set(Rule(id: 2, name: "Two"));

        for (var i = 0; i < 5; i++)
        {
            Reading(i, 1);
        }

        Assert.Equal(2 * Cap, _evaluator.ActiveCount);
        Assert.Equal([(1L, 2), (2L, 2)], _evaluator.Overflows().Select(o => (o.RuleId, o.MoreSeries)).Order());
    }

    [Fact]
    public void Overflowed_series_that_recover_leave_the_overflow_without_a_notice_and_repeated_readings_count_once()
    {
        Set(Rule());
        for (var i = 0; i < 10; i++)
        {
            Reading(i, 1);
            Reading(i, 2); // the same series again: still one
        }

        Take();

        for (var i = Cap; i < 8; i++)
        {
            Reading(i, 0, atSecond: 2);
        }

        Assert.Empty(Take());
        Assert.Equal(2, Assert.Single(_evaluator.Overflows()).MoreSeries);
    }

    [Fact]
    public void An_open_alert_clearing_raises_no_successor_while_the_overflow_does_not_fit_under_the_cap()
    {
        Set(Rule());
        for (var i = 0; i < 10; i++)
        {
            Reading(i, 1);
        }

        Take();

        Reading(0, 0, atSecond: 2);
        Tick(3);

        Assert.Equal(AlertState.Cleared, Assert.Single(Take()).Event.State);
        Assert.Equal((Cap - 1, 7), (_evaluator.ActiveCount, _evaluator.OverflowCount));
    }

    [Fact]
    public void Once_open_alerts_and_overflow_fit_under_the_cap_the_overflowed_series_become_alerts_at_the_next_tick()
    {
        Set(Rule());
        for (var i = 0; i < 5; i++)
        {
            Reading(i, i + 1);
        }

        Take();
        Reading(0, 0, atSecond: 2);
        Reading(1, 0, atSecond: 2); // 1 open + 2 overflowed = 3: they fit
        Take();

        Tick(3);

        var raised = Take();
        Assert.Equal(["storm/3/value", "storm/4/value"], raised.Select(t => t.Alert.Subject).Order());
        Assert.All(raised, t => Assert.Equal((AlertState.Active, T0.AddSeconds(3)), (t.Event.State, t.Alert.RaisedAt)));
        Assert.Equal("storm/4/value is 5 (> 0)", raised.Single(t => t.Alert.Subject == "storm/4/value").Alert.Message);
        Assert.Equal((Cap, 0), (_evaluator.ActiveCount, _evaluator.OverflowCount));
        Assert.Empty(_evaluator.Overflows());
    }

    [Fact]
    public void Overflow_changes_are_taken_once_per_change_as_one_per_rule_and_a_zero_when_over()
    {
        Set(Rule());
        for (var i = 0; i < 100; i++)
        {
            Reading(i, 1);
        }

        var first = Assert.Single(_evaluator.TakeOverflowChanges());
        Assert.Equal(97, first.MoreSeries);
        Assert.Empty(_evaluator.TakeOverflowChanges());

        for (var i = 0; i < 100; i++)
        {
            Reading(i, 0, atSecond: 2);
        }

        Assert.Equal(0, Assert.Single(_evaluator.TakeOverflowChanges()).MoreSeries);
        Assert.Empty(_evaluator.TakeOverflowChanges());
    }

    [Fact]
    public void Deleting_or_changing_a_rule_ends_its_overflow()
    {
        Set(Rule());
        for (var i = 0; i < 10; i++)
        {
            Reading(i, 1);
        }

        Set(Rule(threshold: 5));

        Assert.Equal((0, 0), (_evaluator.ActiveCount, _evaluator.OverflowCount));
        Assert.Empty(_evaluator.Overflows());
    }

    [Fact]
    public void Series_waiting_for_their_duration_overflow_when_they_come_due_at_a_tick()
    {
        Set(Rule(forSeconds: 10));
        for (var i = 0; i < 5; i++)
        {
            Reading(i, 1);
        }

        Tick(10.9);
        Assert.Empty(Take());

        Tick(11);

        Assert.Equal(Cap, Take().Count);
        Assert.Equal(2, _evaluator.OverflowCount);
    }

    [Fact]
    public void A_silent_series_heard_from_again_is_not_raised_at_its_old_due_time()
    {
        Set(Rule(kind: AlertRuleKind.Staleness, forSeconds: 10, name: "Silent"));
        Reading(1, 5, atSecond: 0);
        Reading(1, 5, atSecond: 8);

        Tick(10);
        Assert.Empty(Take());
        Tick(18);

        Assert.Equal("No reading on storm/1/value for 10 s", Assert.Single(Take()).Alert.Message);
    }

    [Fact]
    public void Silent_series_beyond_the_cap_overflow_and_leave_it_when_heard_from()
    {
        Set(Rule(kind: AlertRuleKind.Staleness, forSeconds: 10, name: "Silent"));
        for (var i = 0; i < 5; i++)
        {
            Reading(i, 5, atSecond: 0);
        }

        Tick(10);
        Assert.Equal(Cap, Take().Count);
        Assert.Equal(2, _evaluator.OverflowCount);

        for (var i = 0; i < 5; i++)
        {
            Reading(i, 5, atSecond: 11);
        }

        Assert.Equal(Cap, Take().Count(t => t.Event.State == AlertState.Cleared)); // the two overflowed ones just leave it
        Assert.Equal(0, _evaluator.OverflowCount);
    }

    [Fact]
    public void Open_alerts_restored_beyond_the_cap_are_closed_and_counted_in_the_overflow()
    {
        var before = new AlertEvaluator();
        before.SetRule(Rule(), T0, _out);
        for (var i = 0; i < 5; i++)
        {
            before.OnReading($"storm/{i}/value", "value", 1, T0, restored: false, _out);
        }

        var open = before.OpenAlerts();
        _out.Clear();

        Set(Rule());
        foreach (var alert in open)
        {
            _evaluator.Restore(alert, T0.AddSeconds(100), _out);
        }

        var closed = Take();
        Assert.Equal(2, closed.Count);
        Assert.All(closed, t => Assert.Equal("counted in the rule's overflow (Alerts:MaxOpenAlertsPerRule)", t.Event.Note));
        Assert.Equal((Cap, 2), (_evaluator.ActiveCount, _evaluator.OverflowCount));
    }

    [Fact]
    public void A_page_of_open_alerts_lists_active_before_acknowledged_newest_first_with_the_total()
    {
        Set(Rule());
        Reading(1, 1, atSecond: 1);
        Reading(2, 1, atSecond: 2);
        Reading(3, 1, atSecond: 3);
        var oldest = Take()[0].Alert;
        _evaluator.Acknowledge(oldest.Id, T0.AddSeconds(4), _out);

        var (first, total) = _evaluator.OpenAlertsPage(null, null, offset: 0, limit: 2);
        var (second, _) = _evaluator.OpenAlertsPage(null, null, offset: 2, limit: 2);

        Assert.Equal(3, total);
        Assert.Equal(["storm/3/value", "storm/2/value"], first.Select(a => a.Subject));
        Assert.Equal(oldest.Id, Assert.Single(second).Id);
        Assert.Equal((2, 1), (_evaluator.ActiveCount, _evaluator.AcknowledgedCount));
        Assert.Equal(1, _evaluator.OpenAlertsPage(AlertState.Acknowledged, ruleId: 1, 0, 10).Total);
        Assert.Equal(0, _evaluator.OpenAlertsPage(null, ruleId: 2, 0, 10).Total);
    }
}
