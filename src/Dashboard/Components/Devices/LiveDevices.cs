using Dashboard.Live;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Components.Devices;

/// <summary>
/// Base for pages that show live devices: subscribes to the live feed after the first render, re-reads at most
/// every 250 ms whatever the message rate, ticks every 5 s so "last seen" stays true, and unsubscribes on dispose.
/// </summary>
public abstract class LiveDevicesComponent : ComponentBase, IDisposable
{
    private IDisposable? _subscription;
    private RenderThrottle? _throttle;
    private Timer? _clock;

    [Inject] protected LiveState Live { get; set; } = null!;

    [Inject] private LiveFeed Feed { get; set; } = null!;

    protected DateTimeOffset Now { get; private set; } = DateTimeOffset.UtcNow;

    /// <summary>Re-reads live state into the component's fields.</summary>
    protected abstract void Refresh();

    /// <summary>Whether a batch of changes concerns this component.</summary>
    protected virtual bool Concerns(LiveChange change) => change is ReadingChanged or PresenceChanged;

    protected override void OnInitialized() => Refresh();

    protected override void OnAfterRender(bool firstRender)
    {
        if (!firstRender)
        {
            return;
        }

        _throttle = new RenderThrottle(TimeSpan.FromMilliseconds(250), () => InvokeAsync(() =>
        {
            Refresh();
            StateHasChanged();
        }));
        _subscription = Feed.Subscribe(batch =>
        {
            if (batch.Overflowed || batch.Changes.Any(Concerns))
            {
                _throttle.Request();
            }
        });
        // What changed between OnInitialized's read and this subscription would otherwise wait for the next change.
        // Read now, outside the throttle, so the next live change is not held back by this catch-up.
        Refresh();
        StateHasChanged();
        _clock = new Timer(_ => InvokeAsync(() =>
        {
            Now = DateTimeOffset.UtcNow;
            StateHasChanged();
        }), null, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        _throttle?.Dispose();
        _clock?.Dispose();
        GC.SuppressFinalize(this);
    }
}
