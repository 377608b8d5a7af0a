using System.Collections;

namespace Dashboard.Broker;

/// <summary>
/// A token bucket per client session for Broker:MaxPublishRatePerClient: it refills at the configured rate and holds
/// at most one second's worth, so short bursts pass and a sustained flood is cut to the rate. A client's PUBLISH
/// packets are handled one at a time on its receive loop, so the bucket needs no lock.
/// </summary>
internal sealed class PublishRate
{
    private static readonly object Key = new();
    private double _tokens = double.NaN;
    private long _lastTicks;

    public static PublishRate For(IDictionary sessionItems)
    {
        if (sessionItems[Key] is PublishRate rate)
        {
            return rate;
        }

        rate = new PublishRate();
        sessionItems[Key] = rate;
        return rate;
    }

    public bool TryTake(int perSecond)
    {
        var now = Environment.TickCount64;
        _tokens = double.IsNaN(_tokens)
            ? perSecond
            : Math.Min(perSecond, _tokens + ((now - _lastTicks) * perSecond / 1000.0));
        _lastTicks = now;
        if (_tokens < 1)
        {
            return false;
        }

        _tokens--;
        return true;
    }
}
