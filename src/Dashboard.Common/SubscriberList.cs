using Microsoft.Extensions.Logging;

namespace Dashboard.Common;

/// <summary>
/// The subscribers of a feed, copied on write so publishing takes no lock. Each subscriber is called in turn; one
/// that throws is logged and does not stop the others. A subscription ends when disposed.
/// </summary>
public sealed class SubscriberList<T>(ILogger logger, string feedName)
{
    private readonly Lock _lock = new();
    private Action<T>[] _subscribers = [];

    public int Count => Volatile.Read(ref _subscribers).Length;

    public IDisposable Subscribe(Action<T> subscriber)
    {
        lock (_lock)
        {
            _subscribers = [.. _subscribers, subscriber];
        }

        return new Subscription(this, subscriber);
    }

    public void Publish(T value)
    {
        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            try
            {
                subscriber(value);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "A subscriber of {Feed} failed", feedName);
            }
        }
    }

    private void Remove(Action<T> subscriber)
    {
        lock (_lock)
        {
            var index = Array.IndexOf(_subscribers, subscriber);
            if (index >= 0)
            {
                _subscribers = [.. _subscribers[..index], .. _subscribers[(index + 1)..]];
            }
        }
    }

    private sealed class Subscription(SubscriberList<T> list, Action<T> subscriber) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                list.Remove(subscriber);
            }
        }
    }
}
