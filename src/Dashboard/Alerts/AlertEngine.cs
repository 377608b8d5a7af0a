using Dashboard.Alerts.Health;
using Dashboard.Broker;
using Dashboard.Devices;
using Dashboard.Ingestion;
using Dashboard.Live;
using Dashboard.ScaleOut;
using Microsoft.Extensions.Options;

namespace Dashboard.Alerts;

/// <summary>
/// Runs the <see cref="AlertEvaluator"/> on what the dashboard sees: every reading (on the ingestion thread, as an
/// <see cref="IBrokerEventSink"/>), device presence as live state reports it (connections and status topics alike),
/// and a clock tick, which also samples the broker's health figures for health rules (<see cref="HealthSampler"/>:
/// counters and the event channel's count, read once a tick, never per message). Calls are serialized under one lock held only for in-memory work; every change goes to the
/// <see cref="AlertOutbox"/>, which stores and sends it elsewhere.
/// </summary>
/// <remarks>
/// Readings are judged at their arrival time, not the payload's own timestamp: device clocks drift, and "for 10 s"
/// or "no reading for 60 s" are about what the dashboard sees now. Retained values replayed at start-up are old
/// news: they only tell staleness rules a series exists. The engine's own MQTT notifications
/// (<c>Alerts:MqttTopicPrefix</c>) carry no readings (<see cref="IngestionOptions.OwnTopicPrefixes"/>), so a rule on
/// <c>#</c> cannot feed on its own alerts.
/// With several instances only the elected one's engine judges (<see cref="Evaluating"/>), so each alert is raised once;
/// the others' engines are copies for their own pages (<see cref="AlertReplication"/>), which report nothing.
/// </remarks>
internal sealed class AlertEngine : IBrokerEventSink
{
    private const int RecentlyClearedKept = 200;

    private readonly Lock _lock = new();
    private readonly List<AlertTransition> _changes = [];
    private readonly LinkedList<Alert> _recentlyCleared = new();
    private readonly AlertOutbox _outbox;
    private readonly LiveState _live;
    private readonly TimeProvider _clock;
    private readonly HealthSampler _sampler;
    private readonly HealthHistory _health;
    private readonly ILogger<AlertEngine> _logger;
    private readonly LogLimiter _capLog = new(TimeSpan.FromSeconds(30));
    private readonly LogLimiter _overflowLog = new(TimeSpan.FromSeconds(30));
    private readonly int _maxSeries;
    private readonly int _maxOpenPerRule;
    private AlertEvaluator _evaluator;
    private volatile bool _watchesReadings;
    private volatile bool _watchesDisk;
    private volatile bool _evaluating;
    private long _reportedDropped;

    public AlertEngine(
        IOptions<AlertsOptions> options, AlertOutbox outbox, LiveState live, HealthSampler sampler, InstanceElection election, TimeProvider clock, ILogger<AlertEngine> logger)
    {
        _evaluating = !election.IsClustered; // until elected (AlertReplication)
        _outbox = outbox;
        _live = live;
        _sampler = sampler;
        _health = new HealthHistory(sampler.Metrics, sampler.DiskPath);
        _clock = clock;
        _logger = logger;
        _maxSeries = options.Value.MaxSeries;
        _maxOpenPerRule = options.Value.MaxOpenAlertsPerRule;
        _evaluator = new AlertEvaluator(maxSeries: _maxSeries, maxOpenPerRule: _maxOpenPerRule);
    }

    /// <summary>Whether this engine judges (one instance alone, or the elected one), rather than copying the one that does.</summary>
    public bool Evaluating => _evaluating;

    public void Handle(in IngestedEvent ingested)
    {
        if (!_evaluating || !_watchesReadings || !ingested.Event.IsForLiveView || ingested.Payload is not { Values.Count: > 0 } payload)
        {
            return;
        }

        var e = ingested.Event;
        var topic = ingested.ReadingsTopic!;
        lock (_lock)
        {
            var values = payload.Values;
            for (var i = 0; i < values.Count; i++) // not foreach: an interface's enumerator is an allocation per publish
            {
                var value = values[i];
                _evaluator.OnReading(topic, value.Metric, value.Value, e.Time, e.Restored, _changes);
            }

            SendChanges();
        }
    }

    /// <summary>
    /// Takes the rules and the alerts that were open when the app stopped (or, <paramref name="takingOver"/>, when this
    /// instance was elected to judge), then looks at what live state knows.
    /// </summary>
    public void Load(IEnumerable<AlertRule> rules, IEnumerable<Alert> openAlerts, long lastAlertId, bool takingOver = false)
    {
        var now = _clock.GetUtcNow();
        lock (_lock)
        {
            _evaluating |= takingOver;
            _evaluator = new AlertEvaluator(lastAlertId + 1, _maxSeries, _maxOpenPerRule);
            foreach (var rule in rules)
            {
                _evaluator.SetRule(rule, now, _changes);
            }

            foreach (var alert in openAlerts)
            {
                _evaluator.Restore(alert, now, _changes);
            }

            SendChanges();
        }

        CatchUpWithLiveState();
    }

    public void SetRule(AlertRule rule)
    {
        lock (_lock)
        {
            _evaluator.SetRule(rule, _clock.GetUtcNow(), _changes);
            SendChanges();
        }

        if (rule.Enabled)
        {
            CatchUpWithLiveState();
        }
    }

    public void RemoveRule(long ruleId)
    {
        lock (_lock)
        {
            _evaluator.RemoveRule(ruleId, _clock.GetUtcNow(), _changes);
            SendChanges();
        }
    }

    /// <summary>Stops judging: another instance was elected. What is open stays, as a copy, until that one tells otherwise.</summary>
    public void StepDown() => _evaluating = false;

    /// <summary>The next id this engine would give an alert: past every id it has seen, its own or copied.</summary>
    public long NextAlertId
    {
        get
        {
            lock (_lock)
            {
                return _evaluator.NextAlertId;
            }
        }
    }

    /// <summary>Takes alerts as the judging instance changed them (<see cref="AlertEvaluator.Mirror"/>).</summary>
    public void Mirror(IEnumerable<Alert> alerts)
    {
        lock (_lock)
        {
            foreach (var alert in alerts)
            {
                _evaluator.Mirror(alert);
            }
        }
    }

    public void OnPresence(string deviceId, DeviceStatus status, DateTimeOffset time)
    {
        if (!_evaluating || status == DeviceStatus.Unknown)
        {
            return;
        }

        lock (_lock)
        {
            if (_evaluator.WatchesPresence)
            {
                _evaluator.OnPresence(deviceId, status == DeviceStatus.Online, time, _changes);
                SendChanges();
            }
        }
    }

    /// <summary>
    /// Judges the health rules on the figures now, raises what is due; returns the rules whose overflow ("and N more
    /// series") changed since the last tick.
    /// </summary>
    public IReadOnlyList<AlertOverflow> Tick()
    {
        // Sampled even with no health rule (a few counters): a rule created now counts from the last tick, so what happens
        // right after it is saved is in its window. Outside the lock: it may read the disk.
        if (!_evaluating)
        {
            return [];
        }

        var now = _clock.GetUtcNow();
        var sample = _sampler.Sample(now, _watchesDisk);
        lock (_lock)
        {
            _health.Add(sample, _evaluator.LongestHealthWindow);
            if (_evaluator.WatchesHealth)
            {
                _evaluator.OnHealth(_health, now, _changes);
            }

            _evaluator.Tick(now, _changes);
            SendChanges();
            var overflows = _evaluator.TakeOverflowChanges();
            if (overflows.Count > 0 && _overflowLog.ShouldLog())
            {
                var worst = overflows.MaxBy(o => o.MoreSeries)!;
                _logger.LogWarning("Alert rule '{Rule}' has its maximum of {Cap} open alerts (Alerts:MaxOpenAlertsPerRule); {More} more series meeting its condition are counted, not raised one by one",
                    worst.RuleName, _maxOpenPerRule, worst.MoreSeries);
            }

            return overflows;
        }
    }

    /// <summary>The acknowledged alert, or null when no open alert has that id.</summary>
    public Alert? Acknowledge(long alertId, string? by = null)
    {
        lock (_lock)
        {
            var alert = _evaluator.Acknowledge(alertId, _clock.GetUtcNow(), _changes, by);
            SendChanges();
            return alert;
        }
    }

    public IReadOnlyList<AlertRule> Rules()
    {
        lock (_lock)
        {
            return [.. _evaluator.Rules.OrderBy(r => r.Name, StringComparer.OrdinalIgnoreCase)];
        }
    }

    public AlertRule? Rule(long id)
    {
        lock (_lock)
        {
            return _evaluator.Rule(id);
        }
    }

    public IReadOnlyList<Alert> OpenAlerts()
    {
        lock (_lock)
        {
            return _evaluator.OpenAlerts();
        }
    }

    /// <inheritdoc cref="AlertEvaluator.OpenAlertsPage"/>
    public (IReadOnlyList<Alert> Items, int Total) OpenAlertsPage(AlertState? state, long? ruleId, int offset, int limit)
    {
        lock (_lock)
        {
            return _evaluator.OpenAlertsPage(state, ruleId, offset, limit);
        }
    }

    /// <summary>How many alerts are open, by state, and how many more series the rules' overflows count; no list is made.</summary>
    public OpenAlertCounts Counts()
    {
        lock (_lock)
        {
            return new(_evaluator.ActiveCount, _evaluator.AcknowledgedCount, _evaluator.OverflowCount);
        }
    }

    /// <inheritdoc cref="AlertEvaluator.Overflows"/>
    public IReadOnlyList<AlertOverflow> Overflows()
    {
        lock (_lock)
        {
            return _evaluator.Overflows();
        }
    }

    /// <summary>An open or recently cleared alert (those may not be in the database yet).</summary>
    public Alert? Find(long id)
    {
        lock (_lock)
        {
            return _evaluator.OpenAlert(id) ?? _recentlyCleared.FirstOrDefault(a => a.Id == id);
        }
    }

    /// <summary>The last alerts that cleared, newest first; the database has them all, moments later.</summary>
    public IReadOnlyList<Alert> RecentlyCleared()
    {
        lock (_lock)
        {
            return [.. _recentlyCleared];
        }
    }

    /// <summary>
    /// Shows new or reloaded rules what live state already knows: every known series starts its staleness watch
    /// now, and every device's presence is taken as it is (a device offline since before counts from then).
    /// </summary>
    public void CatchUpWithLiveState(bool readings = true)
    {
        var now = _clock.GetUtcNow();
        IReadOnlyList<SeriesSnapshot> series = readings ? _live.Latest() : [];
        var devices = _live.Devices();
        lock (_lock)
        {
            if (readings && _evaluator.WatchesReadings)
            {
                foreach (var s in series)
                {
                    _evaluator.OnReading(s.Topic, s.Metric, s.Value, now, restored: true, _changes);
                }
            }

            if (_evaluator.WatchesPresence)
            {
                foreach (var device in devices.Where(d => d.Status != DeviceStatus.Unknown))
                {
                    var online = device.Status == DeviceStatus.Online;
                    _evaluator.OnPresence(device.Id, online, online ? now : device.LastStatusChange ?? now, _changes);
                }
            }

            SendChanges();
        }
    }

    private void SendChanges()
    {
        _watchesReadings = _evaluator.WatchesReadings;
        _watchesDisk = _evaluator.WatchesDisk;
        if (!_evaluating)
        {
            _changes.Clear(); // a copy's changes are its own view of an edit; the judging engine reports the real ones
            return;
        }

        foreach (var change in _changes)
        {
            if (change.Alert.State == AlertState.Cleared)
            {
                _recentlyCleared.AddFirst(change.Alert);
                if (_recentlyCleared.Count > RecentlyClearedKept)
                {
                    _recentlyCleared.RemoveLast();
                }
            }

            _outbox.Post(change);
        }

        _changes.Clear();
        if (_evaluator.SeriesDropped != _reportedDropped && _capLog.ShouldLog())
        {
            _reportedDropped = _evaluator.SeriesDropped;
            _logger.LogWarning("Alert rules follow their maximum of {Cap} series (Alerts:MaxSeries); {Dropped} new series were not followed so far",
                _maxSeries, _reportedDropped);
        }
    }
}

/// <summary>Open alerts by state, and the series counted in rules' overflows beyond them.</summary>
public sealed record OpenAlertCounts(int Active, int Acknowledged, int MoreSeries)
{
    public int Open => Active + Acknowledged;
}
