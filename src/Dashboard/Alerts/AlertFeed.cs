using System.Threading.Channels;
using Dashboard.Broker;

namespace Dashboard.Alerts;

/// <summary>
/// Alert changes for the UI (toasts, the Alerts page, the nav badge), published once they are stored. Subscribers
/// are called on the dispatcher's thread: marshal with <c>InvokeAsync</c> and return quickly. A subscription ends
/// when disposed.
/// </summary>
public sealed class AlertFeed(ILogger<AlertFeed> logger)
{
    private readonly SubscriberList<AlertTransition> _transitions = new(logger, "the alert feed");
    private readonly SubscriberList<AlertRulesChanged> _rules = new(logger, "the alert rule feed");
    private readonly SubscriberList<IReadOnlyList<AlertOverflow>> _overflows = new(logger, "the alert overflow feed");

    public IDisposable Subscribe(Action<AlertTransition> onChange) => _transitions.Subscribe(onChange);

    /// <summary>Called after any rule is created, edited or deleted, so every open Alerts page shows the change.</summary>
    public IDisposable SubscribeRules(Action<AlertRulesChanged> onChange) => _rules.Subscribe(onChange);

    public void RulesChanged() => _rules.Publish(new AlertRulesChanged());

    public void Publish(AlertTransition transition) => _transitions.Publish(transition);

    /// <summary>Rules' overflows ("and N more series") changed: at most once per engine tick, with the rules that changed.</summary>
    public IDisposable SubscribeOverflows(Action<IReadOnlyList<AlertOverflow>> onChange) => _overflows.Subscribe(onChange);

    public void PublishOverflows(IReadOnlyList<AlertOverflow> overflows) => _overflows.Publish(overflows);
}

/// <summary>Some alert rule was created, edited or deleted: read the rules again.</summary>
public sealed record AlertRulesChanged;

/// <summary>
/// Alert changes on their way from the engine (under its lock, on the ingestion thread) to storage and the
/// outside world: written without waiting; when full, dropped, counted and logged at most every ten seconds.
/// </summary>
internal sealed class AlertOutbox(ILogger<AlertOutbox> logger)
{
    public const int Capacity = 10_000;

    private readonly Channel<AlertTransition> _channel = Channel.CreateBounded<AlertTransition>(new BoundedChannelOptions(Capacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait, // TryWrite then answers false instead of dropping silently
    });

    private readonly LogLimiter _dropLog = new(TimeSpan.FromSeconds(10));
    private long _dropped;

    public ChannelReader<AlertTransition> Reader => _channel.Reader;

    public long Dropped => Interlocked.Read(ref _dropped);

    public void Post(AlertTransition transition)
    {
        if (_channel.Writer.TryWrite(transition))
        {
            return;
        }

        var dropped = Interlocked.Increment(ref _dropped);
        if (_dropLog.ShouldLog())
        {
            logger.LogWarning("Alert changes arrive faster than they can be stored and sent: {Dropped} dropped so far (alert {Id} {State})",
                dropped, transition.Alert.Id, transition.Alert.State);
        }
    }
}
