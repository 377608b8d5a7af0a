using System.Diagnostics.Metrics;
using Dashboard.Alerts;
using Dashboard.Alerts.Health;
using Dashboard.Broker.Events;
using Dashboard.Broker.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dashboard.Tests.Alerts.Health;

/// <summary>Health rules judged by the evaluator on a <see cref="HealthHistory"/> of samples, some read from a real broker event channel.</summary>
public sealed class HealthAlertTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly BrokerMetrics _metrics;
    private readonly HealthHistory _history;
    private readonly AlertEvaluator _evaluator = new();
    private readonly List<AlertTransition> _out = [];

    public HealthAlertTests()
    {
        _metrics = new BrokerMetrics(_services.GetRequiredService<IMeterFactory>());
        _history = new HealthHistory(_metrics, "/data");
    }

    public void Dispose()
    {
        _metrics.Dispose();
        _services.Dispose();
    }

    private static AlertRule Rule(HealthSignal signal, double threshold, double windowSeconds = 0, double forSeconds = 0,
        AlertOperator op = AlertOperator.Above, double hysteresis = 0) =>
        new(1, "Broker", AlertRuleKind.Health, "", null, op, threshold, 0, 0, hysteresis, TimeSpan.FromSeconds(forSeconds), AlertSeverity.Warning, true)
        {
            Signal = signal,
            Window = TimeSpan.FromSeconds(windowSeconds),
        };

    private void Set(AlertRule rule) => _evaluator.SetRule(rule, T0, _out);

    /// <summary>One tick of the engine: the figures at <paramref name="second"/>, judged.</summary>
    private void Tick(double second, HealthSample sample)
    {
        var time = T0.AddSeconds(second);
        _history.Add(sample with { Time = time }, _evaluator.LongestHealthWindow);
        _evaluator.OnHealth(_history, time, _out);
        _evaluator.Tick(time, _out);
    }

    private void Tick(double second, long failedLogins = 0, long refused = 0, long queueFull = 0, long ingestionFull = 0) =>
        Tick(second, new HealthSample(default, queueFull, 0, 0, ingestionFull, refused, failedLogins, 0));

    private List<AlertTransition> Take()
    {
        var taken = _out.ToList();
        _out.Clear();
        return taken;
    }

    private void FailedLogin(double second, string address, string? user) =>
        _metrics.FailedLogins.Add(new Refusal(T0.AddSeconds(second), address, user, null));

    [Fact]
    public void Failed_logins_over_the_threshold_in_the_window_raise_an_alert_saying_how_many_and_from_where_and_clear_when_the_window_passes()
    {
        Set(Rule(HealthSignal.FailedLogins, threshold: 2, windowSeconds: 60));
        Tick(0);
        FailedLogin(10, "10.0.0.7", "bob");
        FailedLogin(11, "10.0.0.7", "bob");
        FailedLogin(12, "10.0.0.8", "alice");
        Tick(5, failedLogins: 0);
        Tick(10, failedLogins: 2);
        Assert.Empty(Take());

        Tick(12, failedLogins: 3);

        var raised = Assert.Single(Take()).Alert;
        Assert.Equal((AlertState.Active, 3.0, "failed-logins"), (raised.State, raised.Value, raised.Subject));
        Assert.Equal("3 failed logins in the last 60 s, most from 10.0.0.7 / user bob", raised.Message);

        Tick(40, failedLogins: 3);
        Tick(69, failedLogins: 3); // counted from the sample at 5 s, the last one before 9 s: all three
        Assert.Empty(Take());

        Tick(71, failedLogins: 3); // counted from the sample at 10 s: one left

        var cleared = Assert.Single(Take()).Alert;
        Assert.Equal(AlertState.Cleared, cleared.State);
        Assert.Equal(1.0, cleared.Events[^1].Value);
    }

    [Fact]
    public void Dropped_messages_are_told_by_cause()
    {
        Set(Rule(HealthSignal.DroppedMessages, threshold: 10, windowSeconds: 300));
        Tick(0, queueFull: 100);

        Tick(1, queueFull: 150, ingestionFull: 7);

        Assert.Equal("57 messages dropped in the last 5 min: 50 with a client's queue full, 7 with the ingestion channel full",
            Assert.Single(Take()).Alert.Message);
    }

    [Fact]
    public void A_count_rule_created_later_counts_only_from_its_first_sample()
    {
        Set(Rule(HealthSignal.RefusedConnections, threshold: 0, windowSeconds: 300));

        Tick(0, refused: 1000); // refusals before any rule looked: not this window's
        Tick(1, refused: 1000);
        Assert.Empty(Take());

        Tick(2, refused: 1001);
        Assert.Equal("1 connection refused in the last 5 min", Assert.Single(Take()).Alert.Message);
    }

    [Fact]
    public void The_ingestion_backlog_of_a_real_channel_raises_after_its_duration_and_clears_once_read()
    {
        var channel = new BrokerEventChannel(Options.Create(new BrokerEventChannelOptions { Capacity = 100 }), _metrics, NullLogger<BrokerEventChannel>.Instance);
        var sampler = new HealthSampler(_metrics, channel, new ConfigurationBuilder().Build(), NullLogger<HealthSampler>.Instance);
        Set(Rule(HealthSignal.IngestionBacklog, threshold: 40, forSeconds: 10));
        for (var i = 0; i < 50; i++)
        {
            channel.Publish(new BrokerEvent(BrokerEventKind.MessagePublished, T0, "sensor", "home/t", new byte[] { 0x31 }, default, false, null));
        }

        Tick(0, sampler.Sample(T0, disk: false));
        Tick(9, sampler.Sample(T0, disk: false));
        Assert.Empty(Take());
        Tick(10, sampler.Sample(T0, disk: false));

        var raised = Assert.Single(Take()).Alert;
        Assert.Equal("50 broker events waiting to be ingested (ingestion backlog > 40 events for 10 s)", raised.Message);

        while (channel.TryRead(out _))
        {
        }

        Tick(11, sampler.Sample(T0, disk: false));
        var cleared = Assert.Single(Take()).Alert;
        Assert.Equal((AlertState.Cleared, (double?)0), (cleared.State, cleared.Events[^1].Value));
    }

    [Fact]
    public void Free_disk_space_below_the_threshold_raises_with_the_space_in_words()
    {
        Set(Rule(HealthSignal.FreeDiskMegabytes, threshold: 1000, op: AlertOperator.Below, hysteresis: 100));

        Tick(0, new HealthSample(default, 0, 0, 0, 0, 0, 0, 0, FreeBytes: 800L * 1_048_576, TotalBytes: 80_000L * 1_048_576));

        Assert.Equal("800 MB free (1 %) on the volume of /data (free disk space < 1000 MB)", Assert.Single(Take()).Alert.Message);
        Tick(1, new HealthSample(default, 0, 0, 0, 0, 0, 0, 0, FreeBytes: 1050L * 1_048_576, TotalBytes: 80_000L * 1_048_576));
        Assert.Empty(Take()); // within the hysteresis
        Tick(2, new HealthSample(default, 0, 0, 0, 0, 0, 0, 0, FreeBytes: 1100L * 1_048_576, TotalBytes: 80_000L * 1_048_576));
        Assert.Equal(AlertState.Cleared, Assert.Single(Take()).Alert.State);
    }

    [Fact]
    public void Unreadable_disk_space_neither_raises_nor_clears()
    {
        Set(Rule(HealthSignal.FreeDiskPercent, threshold: 10, op: AlertOperator.Below));

        Tick(0, new HealthSample(default, 0, 0, 0, 0, 0, 0, 0));

        Assert.Empty(Take());
    }
}
