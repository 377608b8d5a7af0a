using Dashboard.Alerts;

namespace Dashboard.Tests.Alerts;

public sealed class AlertEvaluatorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly AlertEvaluator _evaluator = new();
    private readonly List<AlertTransition> _out = [];

    private static AlertRule Rule(
        long id = 1, string filter = "home/+/temperature", string? metric = null, AlertOperator op = AlertOperator.Above,
        double threshold = 25, double low = 0, double high = 0, double hysteresis = 0, double forSeconds = 0,
        AlertRuleKind kind = AlertRuleKind.Threshold, bool enabled = true, string name = "Too hot") =>
        new(id, name, kind, filter, metric, op, threshold, low, high, hysteresis, TimeSpan.FromSeconds(forSeconds), AlertSeverity.Warning, enabled);

    private void Set(AlertRule rule) => _evaluator.SetRule(rule, T0, _out);

    private void Reading(double value, double atSecond, string topic = "home/livingroom/temperature", string metric = "temperature") =>
        _evaluator.OnReading(topic, metric, value, T0.AddSeconds(atSecond), restored: false, _out);

    private void Tick(double atSecond) => _evaluator.Tick(T0.AddSeconds(atSecond), _out);

    private List<AlertTransition> Take()
    {
        var taken = _out.ToList();
        _out.Clear();
        return taken;
    }

    private AlertTransition Single() => Assert.Single(Take());

    [Fact]
    public void A_reading_above_the_threshold_raises_an_alert_with_its_value_and_time()
    {
        Set(Rule());

        Reading(26.5, atSecond: 3);

        var alert = Single().Alert;
        Assert.Equal(AlertState.Active, alert.State);
        Assert.Equal(26.5, alert.Value);
        Assert.Equal(T0.AddSeconds(3), alert.RaisedAt);
        Assert.Equal("home/livingroom/temperature", alert.Subject);
        Assert.Equal("temperature", alert.Metric);
        Assert.Equal("home/livingroom/temperature is 26.5 (> 25)", alert.Message);
        Assert.Equal([new AlertEvent(AlertState.Active, T0.AddSeconds(3), 26.5, null)], alert.Events);
    }

    [Fact]
    public void Readings_at_or_below_the_threshold_and_on_other_topics_raise_nothing()
    {
        Set(Rule());

        Reading(25, 1);
        Reading(12, 2);
        Reading(99, 3, topic: "home/livingroom/humidity", metric: "humidity");
        Reading(99, 4, topic: "office/lab/temperature");
        Reading(99, 5, topic: "home/livingroom/sensor/temperature");
        Tick(100);

        Assert.Empty(Take());
    }

    [Theory]
    [InlineData(AlertOperator.Above, 25, 25.1, 25)]
    [InlineData(AlertOperator.AtLeast, 25, 25, 24.9)]
    [InlineData(AlertOperator.Below, 5, 4.9, 5)]
    [InlineData(AlertOperator.AtMost, 5, 5, 5.1)]
    [InlineData(AlertOperator.Equal, 1, 1, 0)]
    [InlineData(AlertOperator.NotEqual, 1, 0, 1)]
    public void Each_operator_raises_on_its_condition_and_clears_when_it_no_longer_holds(AlertOperator op, double threshold, double raising, double clearing)
    {
        Set(Rule(op: op, threshold: threshold));

        Reading(clearing, 1);
        Assert.Empty(Take());
        Reading(raising, 2);
        Assert.Equal(AlertState.Active, Single().Alert.State);
        Reading(clearing, 3);
        Assert.Equal(AlertState.Cleared, Single().Alert.State);
    }

    [Fact]
    public void Outside_a_range_raises_below_the_low_end_and_above_the_high_end()
    {
        Set(Rule(op: AlertOperator.Outside, low: 18, high: 24));

        Reading(18, 1);
        Reading(24, 2);
        Assert.Empty(Take());

        Reading(17.9, 3);
        Assert.Equal(AlertState.Active, Single().Alert.State);
        Reading(20, 4);
        Assert.Equal(AlertState.Cleared, Single().Alert.State);
        Reading(24.5, 5);
        Assert.Equal(AlertState.Active, Single().Alert.State);
    }

    [Fact]
    public void Hysteresis_keeps_the_alert_until_the_value_comes_back_past_it()
    {
        Set(Rule(threshold: 25, hysteresis: 1));
        Reading(26, 1);
        Assert.Equal(AlertState.Active, Single().Alert.State);

        Reading(25, 2);
        Reading(24.5, 3);
        Assert.Empty(Take());

        Reading(24, 4);
        var cleared = Single();
        Assert.Equal(AlertState.Cleared, cleared.Alert.State);
        Assert.Equal(new AlertEvent(AlertState.Cleared, T0.AddSeconds(4), 24, null), cleared.Event);
    }

    [Fact]
    public void Hysteresis_works_downwards_and_on_both_ends_of_a_range()
    {
        Set(Rule(id: 1, op: AlertOperator.Below, threshold: 10, hysteresis: 2, filter: "a"));
        Set(Rule(id: 2, op: AlertOperator.Outside, low: 0, high: 10, hysteresis: 1, filter: "b", name: "range"));

        Reading(9, 1, topic: "a", metric: "a");
        Reading(11.9, 2, topic: "a", metric: "a");
        Assert.Single(Take());
        Reading(12, 3, topic: "a", metric: "a");
        Assert.Equal(AlertState.Cleared, Single().Alert.State);

        Reading(-1, 4, topic: "b", metric: "b");
        Reading(0.9, 5, topic: "b", metric: "b");
        Assert.Single(Take());
        Reading(1, 6, topic: "b", metric: "b");
        Assert.Equal(AlertState.Cleared, Single().Alert.State);
        Reading(10.5, 7, topic: "b", metric: "b");
        Reading(9.1, 8, topic: "b", metric: "b");
        Assert.Single(Take());
        Reading(9, 9, topic: "b", metric: "b");
        Assert.Equal(AlertState.Cleared, Single().Alert.State);
    }

    [Fact]
    public void A_for_duration_raises_only_once_the_condition_has_held_that_long()
    {
        Set(Rule(forSeconds: 10));

        Reading(26, 0);
        Reading(27, 5);
        Tick(9.9);
        Assert.Empty(Take());

        Tick(10);
        var raised = Single().Alert;
        Assert.Equal(AlertState.Active, raised.State);
        Assert.Equal(T0.AddSeconds(10), raised.RaisedAt);
        Assert.Equal(27, raised.Value); // the latest value, which still meets the condition
    }

    [Fact]
    public void A_reading_that_arrives_after_the_duration_raises_without_waiting_for_a_tick()
    {
        Set(Rule(forSeconds: 10));

        Reading(26, 0);
        Reading(26.2, 10);

        Assert.Equal(T0.AddSeconds(10), Single().Alert.RaisedAt);
    }

    [Fact]
    public void A_pending_condition_that_breaks_before_the_duration_starts_again_from_zero()
    {
        Set(Rule(forSeconds: 10));

        Reading(26, 0);
        Reading(24, 6);
        Reading(26, 8);
        Tick(12);
        Assert.Empty(Take());

        Tick(18);
        Assert.Equal(T0.AddSeconds(18), Single().Alert.RaisedAt);
    }

    [Fact]
    public void Acknowledged_alerts_stay_acknowledged_until_they_clear_and_then_a_new_alert_is_raised()
    {
        Set(Rule(hysteresis: 1));
        Reading(26, 1);
        var first = Single().Alert;

        var acknowledged = _evaluator.Acknowledge(first.Id, T0.AddSeconds(2), _out);
        Assert.Equal(AlertState.Acknowledged, acknowledged!.State);
        Assert.Equal(T0.AddSeconds(2), acknowledged.AcknowledgedAt);
        Assert.Equal(new AlertEvent(AlertState.Acknowledged, T0.AddSeconds(2), 26, null), Single().Event);

        Reading(30, 3);
        Assert.Empty(Take());
        Assert.Equal(AlertState.Acknowledged, _evaluator.OpenAlert(first.Id)!.State);
        Assert.Equal(T0.AddSeconds(2), _evaluator.Acknowledge(first.Id, T0.AddSeconds(4), _out)!.AcknowledgedAt);
        Assert.Empty(Take()); // a second acknowledgement changes nothing

        Reading(23, 5);
        var cleared = Single().Alert;
        Assert.Equal(first.Id, cleared.Id);
        Assert.Equal(AlertState.Cleared, cleared.State);
        Assert.Equal([AlertState.Active, AlertState.Acknowledged, AlertState.Cleared], cleared.Events.Select(e => e.State));
        Assert.Null(_evaluator.OpenAlert(first.Id));
        Assert.Null(_evaluator.Acknowledge(first.Id, T0.AddSeconds(6), _out));

        Reading(26, 7);
        var second = Single().Alert;
        Assert.NotEqual(first.Id, second.Id);
        Assert.Equal(AlertState.Active, second.State);
    }

    [Fact]
    public void Each_matching_series_has_its_own_alert()
    {
        Set(Rule());

        Reading(26, 1, topic: "home/livingroom/temperature");
        Reading(27, 2, topic: "home/kitchen/temperature");
        Reading(28, 3, topic: "home/kitchen/temperature");

        var raised = Take();
        Assert.Equal(["home/livingroom/temperature", "home/kitchen/temperature"], raised.Select(t => t.Alert.Subject));
        Assert.Equal(2, _evaluator.OpenAlerts().Count);
    }

    [Fact]
    public void Without_a_metric_every_number_on_a_matching_topic_counts_and_with_one_only_that_field()
    {
        Set(Rule(id: 1, filter: "home/+/telemetry", name: "any"));
        Set(Rule(id: 2, filter: "home/#", metric: "temperature", name: "temperature anywhere"));

        Reading(26, 1, topic: "home/sensor1/telemetry", metric: "temperature");
        Reading(40, 1, topic: "home/sensor1/telemetry", metric: "humidity");
        Reading(30, 1, topic: "home/livingroom/temperature", metric: "temperature");

        var raised = Take().Select(t => (t.Alert.RuleId, t.Alert.Subject, t.Alert.Metric)).ToList();
        Assert.Equal(
            [
                (1L, "home/sensor1/telemetry", "temperature"),
                (2L, "home/sensor1/telemetry", "temperature"),
                (1L, "home/sensor1/telemetry", "humidity"),
                (2L, "home/livingroom/temperature", "temperature"),
            ],
            raised);
        Assert.Equal("home/sensor1/telemetry temperature is 26 (> 25)", _evaluator.OpenAlerts().First(a => a.RuleId == 2).Message);
    }

    [Fact]
    public void Restored_readings_neither_raise_nor_clear()
    {
        Set(Rule());

        _evaluator.OnReading("home/livingroom/temperature", "temperature", 40, T0, restored: true, _out);
        Assert.Empty(Take());

        Reading(26, 1);
        var alert = Single().Alert;
        _evaluator.OnReading("home/livingroom/temperature", "temperature", 10, T0.AddSeconds(2), restored: true, _out);
        Assert.Empty(Take());
        Assert.Equal(AlertState.Active, _evaluator.OpenAlert(alert.Id)!.State);
    }

    [Fact]
    public void Disabled_rules_judge_nothing()
    {
        Set(Rule(enabled: false));

        Reading(40, 1);
        Tick(100);

        Assert.Empty(Take());
        Assert.False(_evaluator.WatchesReadings);
    }

    [Fact]
    public void Changing_a_rules_condition_clears_its_open_alerts_and_renaming_it_does_not()
    {
        Set(Rule());
        Reading(26, 1);
        var alert = Single().Alert;

        _evaluator.SetRule(Rule(name: "Living room too warm") with { Severity = AlertSeverity.Critical }, T0.AddSeconds(2), _out);
        Assert.Empty(Take());
        Assert.NotNull(_evaluator.OpenAlert(alert.Id));

        _evaluator.SetRule(Rule(threshold: 30), T0.AddSeconds(3), _out);
        var cleared = Single();
        Assert.Equal(AlertState.Cleared, cleared.Alert.State);
        Assert.Equal("rule changed", cleared.Event.Note);

        Reading(31, 4);
        Assert.Equal(AlertState.Active, Single().Alert.State);
        _evaluator.SetRule(Rule(threshold: 30, enabled: false), T0.AddSeconds(5), _out);
        Assert.Equal("rule disabled", Single().Event.Note);
    }

    [Fact]
    public void Deleting_a_rule_clears_its_open_alerts()
    {
        Set(Rule());
        Reading(26, 1);
        Take();

        _evaluator.RemoveRule(1, T0.AddSeconds(2), _out);

        var cleared = Single();
        Assert.Equal(AlertState.Cleared, cleared.Alert.State);
        Assert.Equal("rule deleted", cleared.Event.Note);
        Assert.Empty(_evaluator.OpenAlerts());
        Assert.Empty(_evaluator.Rules);
    }

    [Fact]
    public void A_device_offline_longer_than_the_duration_raises_and_coming_back_clears()
    {
        Set(Rule(kind: AlertRuleKind.Presence, filter: "home/+", forSeconds: 30, name: "Offline"));

        _evaluator.OnPresence("home/sensor1", online: false, T0, _out);
        _evaluator.OnPresence("home/sensor1", online: false, T0.AddSeconds(20), _out); // a repeated report does not restart the clock
        Tick(29);
        Assert.Empty(Take());

        Tick(30);
        var raised = Single().Alert;
        Assert.Equal(AlertState.Active, raised.State);
        Assert.Equal("home/sensor1", raised.Subject);
        Assert.Equal("", raised.Metric);
        Assert.Null(raised.Value);
        Assert.Equal("home/sensor1 is offline for more than 30 s", raised.Message);

        _evaluator.OnPresence("home/sensor1", online: true, T0.AddSeconds(40), _out);
        var cleared = Single();
        Assert.Equal(AlertState.Cleared, cleared.Alert.State);
        Assert.Equal("device online", cleared.Event.Note);
    }

    [Fact]
    public void A_device_back_online_before_the_duration_raises_nothing_and_other_devices_do_not_match()
    {
        Set(Rule(kind: AlertRuleKind.Presence, filter: "home/+", forSeconds: 30, name: "Offline"));

        _evaluator.OnPresence("home/sensor1", online: false, T0, _out);
        _evaluator.OnPresence("home/sensor1", online: true, T0.AddSeconds(10), _out);
        _evaluator.OnPresence("office/printer", online: false, T0, _out);
        Tick(100);

        Assert.Empty(Take());
    }

    [Fact]
    public void A_presence_rule_without_a_duration_raises_as_soon_as_the_device_goes_offline()
    {
        Set(Rule(kind: AlertRuleKind.Presence, filter: "#", name: "Offline"));

        _evaluator.OnPresence("sensor1", online: false, T0, _out);

        Assert.Equal(T0, Single().Alert.RaisedAt);
    }

    [Fact]
    public void A_series_that_stays_silent_raises_a_staleness_alert_and_its_next_reading_clears_it()
    {
        Set(Rule(kind: AlertRuleKind.Staleness, forSeconds: 60, name: "Silent"));

        Reading(21, 0);
        Reading(22, 30);
        Tick(89);
        Assert.Empty(Take());

        Tick(90);
        var raised = Single().Alert;
        Assert.Equal(AlertState.Active, raised.State);
        Assert.Equal(22, raised.Value);
        Assert.Equal("No reading on home/livingroom/temperature for 60 s", raised.Message);
        Tick(200);
        Assert.Empty(Take()); // raised once, not every tick

        Reading(23, 210);
        var cleared = Single();
        Assert.Equal(AlertState.Cleared, cleared.Alert.State);
        Assert.Equal(23, cleared.Event.Value);

        Tick(269);
        Assert.Empty(Take());
        Tick(270);
        Assert.Equal(AlertState.Active, Single().Alert.State);
    }

    [Fact]
    public void A_restored_reading_starts_watching_a_series_for_staleness_without_resetting_one_already_watched()
    {
        Set(Rule(kind: AlertRuleKind.Staleness, forSeconds: 60, name: "Silent"));

        _evaluator.OnReading("home/a/temperature", "temperature", 21, T0, restored: true, _out);
        Reading(21, 0, topic: "home/b/temperature");
        _evaluator.OnReading("home/b/temperature", "temperature", 21, T0.AddSeconds(50), restored: true, _out);
        Tick(60);

        Assert.Equal(["home/a/temperature", "home/b/temperature"], Take().Select(t => t.Alert.Subject).Order());
    }

    [Fact]
    public void Open_alerts_are_restored_after_a_restart_and_clear_as_usual()
    {
        Set(Rule(hysteresis: 1));
        Reading(26, 1);
        var before = Single().Alert;
        var acknowledged = _evaluator.Acknowledge(before.Id, T0.AddSeconds(2), _out)!;
        Take();

        var restarted = new AlertEvaluator();
        restarted.SetRule(Rule(hysteresis: 1), T0.AddSeconds(100), _out);
        restarted.Restore(acknowledged, T0.AddSeconds(100), _out);
        Assert.Empty(Take());
        Assert.Equal(acknowledged, restarted.OpenAlert(before.Id));
        Assert.True(restarted.NextAlertId > before.Id);

        restarted.OnReading("home/livingroom/temperature", "temperature", 24.5, T0.AddSeconds(101), restored: false, _out);
        Assert.Empty(Take());
        restarted.OnReading("home/livingroom/temperature", "temperature", 20, T0.AddSeconds(102), restored: false, _out);
        var cleared = Single().Alert;
        Assert.Equal(before.Id, cleared.Id);
        Assert.Equal(AlertState.Cleared, cleared.State);
    }

    [Fact]
    public void A_restored_alert_whose_rule_is_gone_is_cleared()
    {
        Set(Rule());
        Reading(26, 1);
        var alert = Single().Alert;

        var restarted = new AlertEvaluator();
        restarted.Restore(alert, T0.AddSeconds(100), _out);

        var cleared = Single();
        Assert.Equal(AlertState.Cleared, cleared.Alert.State);
        Assert.Equal("rule no longer active", cleared.Event.Note);
        Assert.Empty(restarted.OpenAlerts());
    }

    [Fact]
    public void New_series_beyond_the_cap_are_counted_not_tracked()
    {
        var evaluator = new AlertEvaluator(maxSeries: 2);
        evaluator.SetRule(Rule(kind: AlertRuleKind.Staleness, filter: "#", forSeconds: 10, name: "Silent"), T0, _out);

        for (var i = 0; i < 5; i++)
        {
            evaluator.OnReading($"t/{i}", "v", 1, T0, restored: false, _out);
        }

        Assert.Equal(2, evaluator.SeriesCount);
        Assert.Equal(3, evaluator.SeriesDropped);
    }
}
