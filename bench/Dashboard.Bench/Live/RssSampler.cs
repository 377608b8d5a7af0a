namespace Dashboard.Bench.Live;

/// <summary>Reads the app's resident set size (VmRSS) every 50 ms in the background, for the peak of each phase.</summary>
internal sealed class RssSampler : IAsyncDisposable
{
    private readonly BrokerProcess _app;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Lock _lock = new();
    private double _peak;

    public RssSampler(BrokerProcess app)
    {
        _app = app;
        _peak = app.RssMiB();
        _loop = LoopAsync();
    }

    /// <summary>Highest RSS in MiB since the last <see cref="Reset"/>.</summary>
    public double Peak
    {
        get
        {
            Sample();
            lock (_lock)
            {
                return _peak;
            }
        }
    }

    /// <summary>Starts a new phase: the peak is the current RSS again; returns it.</summary>
    public double Reset()
    {
        lock (_lock)
        {
            return _peak = Read(_app);
        }
    }

    /// <summary>The app's RSS in MiB, NaN once it has exited (the run then fails on its own, with a clearer message).</summary>
    public static double Read(BrokerProcess app)
    {
        try
        {
            return app.RssMiB();
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            return double.NaN;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                Sample();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Sample()
    {
        var rss = Read(_app);
        lock (_lock)
        {
            if (rss > _peak || double.IsNaN(_peak))
            {
                _peak = rss;
            }
        }
    }
}
