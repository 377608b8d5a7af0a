using Microsoft.AspNetCore.Components;

namespace Dashboard.Components;

/// <summary>
/// Base of every component that shows live data. A derived component declares what it follows in
/// <see cref="Subscribe"/>; after the first interactive render the base subscribes, catches up with what changed since
/// the component first read its state, re-reads (<see cref="RefreshAsync"/>) at most once per
/// <see cref="RenderInterval"/> however often its feeds publish, runs all of it on the renderer's dispatcher, hands any
/// exception to the renderer (an error boundary or the circuit sees it) and ends the subscriptions on dispose. While the
/// browser is disconnected (<see cref="CircuitPresence"/>) it neither polls nor refreshes; it refreshes once it is back.
/// </summary>
public abstract class LiveComponentBase : ComponentBase, IDisposable
{
    /// <summary>Live changes re-render a component at most this often.</summary>
    internal static readonly TimeSpan RenderInterval = TimeSpan.FromMilliseconds(250);

    private readonly Lock _lock = new();
    private readonly List<IDisposable> _subscriptions = [];
    private long _lastRefresh;
    private bool _refreshScheduled;
    private bool _disposed;

    // Resolved by hand: components rendered without a circuit (bUnit, prerendering) have no presence and count as connected.
    [Inject] private IServiceProvider CircuitServices { get; set; } = default!;

    private CircuitPresence? Presence => field ??= CircuitServices.GetService<CircuitPresence>();

    /// <summary>Declares what the component follows, with <see cref="Follow"/>, <see cref="HandleEach"/> and <see cref="Every(TimeSpan, Func{Task}, TimeProvider?)"/>.</summary>
    protected abstract void Subscribe();

    /// <summary>Re-reads the state the component shows: once to catch up after subscribing, then for live changes.</summary>
    protected virtual Task RefreshAsync() => Task.CompletedTask;

    /// <summary>Refreshes and renders, throttled, whenever <paramref name="subscribe"/>'s feed publishes a value that <paramref name="concerns"/> the component.</summary>
    protected void Follow<T>(Func<Action<T>, IDisposable> subscribe, Func<T, bool>? concerns = null) =>
        Add(subscribe(value =>
        {
            try
            {
                if (concerns?.Invoke(value) ?? true)
                {
                    RequestRefresh();
                }
            }
            catch (Exception ex)
            {
                _ = DispatchExceptionAsync(ex); // safe from the feed's thread
            }
        }));

    /// <summary>Handles every value of the feed on the renderer's dispatcher, unthrottled and in order (a toast per alert); does not render.</summary>
    protected void HandleEach<T>(Func<Action<T>, IDisposable> subscribe, Action<T> handle) =>
        Add(subscribe(value => _ = RunAsync(() =>
        {
            handle(value);
            return Task.CompletedTask;
        }, render: false)));

    /// <summary>Runs <paramref name="tick"/> on the renderer's dispatcher every <paramref name="period"/>, then renders.</summary>
    protected void Every(TimeSpan period, Func<Task> tick, TimeProvider? clock = null)
    {
        var timer = new PeriodicTimer(period, clock ?? TimeProvider.System);
        Add(timer);
        _ = TickAsync(timer, tick);
    }

    /// <inheritdoc cref="Every(TimeSpan, Func{Task}, TimeProvider?)"/>
    protected void Every(TimeSpan period, Action tick) => Every(period, () =>
    {
        tick();
        return Task.CompletedTask;
    });

    // Sealed so a derived component cannot skip the subscription by forgetting base; it can use OnAfterRender.
    protected sealed override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender)
        {
            return;
        }

        if (Presence is { } presence)
        {
            Action reconnected = RequestRefresh;
            presence.Reconnected += reconnected;
            Add(new Unsubscribe(() => presence.Reconnected -= reconnected));
        }

        Subscribe();
        // What changed between the first read and the subscription would otherwise wait for the next change. Read
        // now, outside the throttle, so the first live change after this is not held back by the catch-up.
        await RefreshAsync();
        StateHasChanged();
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
        }

        foreach (var subscription in _subscriptions)
        {
            subscription.Dispose();
        }

        _subscriptions.Clear();
        GC.SuppressFinalize(this);
    }

    private bool IsDisposed
    {
        get
        {
            lock (_lock)
            {
                return _disposed;
            }
        }
    }

    private void Add(IDisposable subscription)
    {
        if (IsDisposed)
        {
            subscription.Dispose();
            return;
        }

        _subscriptions.Add(subscription);
    }

    /// <summary>However often this is called, the refresh runs at most once per interval, and always after the latest call.</summary>
    private void RequestRefresh()
    {
        TimeSpan wait;
        lock (_lock)
        {
            if (_refreshScheduled || _disposed)
            {
                return;
            }

            _refreshScheduled = true;
            wait = RenderInterval - TimeSpan.FromMilliseconds(Environment.TickCount64 - _lastRefresh);
        }

        _ = RefreshLaterAsync(wait); // never faults: RunAsync hands exceptions to the renderer
    }

    private async Task RefreshLaterAsync(TimeSpan wait)
    {
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        lock (_lock)
        {
            _refreshScheduled = false;
            _lastRefresh = Environment.TickCount64;
        }

        await RunAsync(RefreshAsync, render: true);
    }

    private async Task TickAsync(PeriodicTimer timer, Func<Task> tick)
    {
        while (await timer.WaitForNextTickAsync()) // false once disposed
        {
            await RunAsync(tick, render: true);
        }
    }

    private sealed class Unsubscribe(Action unsubscribe) : IDisposable
    {
        public void Dispose() => unsubscribe();
    }

    /// <summary>
    /// Runs work on the renderer's dispatcher unless disposed, or, for work that renders (a refresh, a poll), while the
    /// browser is disconnected: the refresh on reconnection shows what it missed. Never throws: the renderer gets the exception.
    /// </summary>
    private async Task RunAsync(Func<Task> work, bool render)
    {
        try
        {
            await InvokeAsync(async () =>
            {
                if (IsDisposed || (render && Presence?.IsConnected == false))
                {
                    return;
                }

                await work();
                if (render)
                {
                    StateHasChanged();
                }
            });
        }
        catch (Exception ex)
        {
            await DispatchExceptionAsync(ex);
        }
    }
}
