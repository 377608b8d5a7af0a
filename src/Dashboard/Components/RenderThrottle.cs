namespace Dashboard.Components;

/// <summary>
/// Coalesces live updates: however often <see cref="Request"/> is called, the render runs at most once per
/// interval, and always after the latest request, so the page shows the newest state without redrawing for
/// every message.
/// </summary>
internal sealed class RenderThrottle(TimeSpan interval, Func<Task> render) : IDisposable
{
    private readonly Lock _lock = new();
    private long _lastRender;
    private bool _scheduled;
    private bool _disposed;

    public void Request()
    {
        TimeSpan wait;
        lock (_lock)
        {
            if (_scheduled || _disposed)
            {
                return;
            }

            _scheduled = true;
            wait = interval - TimeSpan.FromMilliseconds(Environment.TickCount64 - _lastRender);
        }

        _ = RunAsync(wait);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
        }
    }

    private async Task RunAsync(TimeSpan wait)
    {
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        lock (_lock)
        {
            _scheduled = false;
            if (_disposed)
            {
                return;
            }

            _lastRender = Environment.TickCount64;
        }

        await render();
    }
}
