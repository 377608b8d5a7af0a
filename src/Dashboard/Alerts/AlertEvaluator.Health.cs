using Dashboard.Alerts.Health;

namespace Dashboard.Alerts;

// Health: the broker's own figures (dropped messages, refusals, failed logins, backlog, free disk) against a threshold,
// judged at every tick with the figures of that moment. One series per rule, keyed by its signal's name.
public sealed partial class AlertEvaluator
{
    private AlertRule[] _healthRules = [];

    public bool WatchesHealth => _healthRules.Length > 0;

    /// <summary>Whether an enabled health rule watches the disk (so free space need only be read then).</summary>
    public bool WatchesDisk { get; private set; }

    /// <summary>The longest window an enabled health rule counts over: how much of the past its figures need.</summary>
    public TimeSpan LongestHealthWindow { get; private set; }

    /// <summary>
    /// Judges every enabled health rule on <paramref name="reading"/> at <paramref name="time"/>, like a threshold rule's
    /// reading (for-duration and hysteresis included); a raised alert says what <see cref="IHealthReading.Describe"/> says.
    /// </summary>
    public void OnHealth(IHealthReading reading, DateTimeOffset time, List<AlertTransition> output)
    {
        foreach (var rule in _healthRules)
        {
            if (reading.Value(rule) is { } value)
            {
                OnThresholdReading(rule, new SeriesKey(rule.Id, HealthSignals.Name(rule.Signal!.Value), ""), value, time, output, reading);
            }
        }
    }

    private void RebuildHealthRules(AlertRule[] enabled)
    {
        _healthRules = [.. enabled.Where(r => r.Kind == AlertRuleKind.Health && r.Signal is not null)];
        WatchesDisk = _healthRules.Any(r => HealthSignals.IsDisk(r.Signal!.Value));
        LongestHealthWindow = _healthRules.Length == 0 ? TimeSpan.Zero : _healthRules.Max(r => r.Window);
    }
}
