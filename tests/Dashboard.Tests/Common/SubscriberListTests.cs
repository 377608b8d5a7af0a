using Dashboard.Common;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dashboard.Tests.Common;

public sealed class SubscriberListTests
{
    private readonly SubscriberList<int> _list = new(NullLogger.Instance, "test feed");

    [Fact]
    public void A_throwing_subscriber_does_not_stop_the_others()
    {
        var before = new List<int>();
        var after = new List<int>();
        _list.Subscribe(before.Add);
        _list.Subscribe(_ => throw new InvalidOperationException("subscriber bug"));
        _list.Subscribe(after.Add);

        _list.Publish(1);
        _list.Publish(2);

        Assert.Equal([1, 2], before);
        Assert.Equal([1, 2], after);
    }

    [Fact]
    public void A_disposed_subscription_gets_nothing()
    {
        var kept = new List<int>();
        var dropped = new List<int>();
        _list.Subscribe(kept.Add);
        var subscription = _list.Subscribe(dropped.Add);
        _list.Publish(1);

        subscription.Dispose();
        _list.Publish(2);

        Assert.Equal([1], dropped);
        Assert.Equal([1, 2], kept);
        Assert.Equal(1, _list.Count);
    }

    [Fact]
    public void Disposing_twice_is_harmless()
    {
        var received = new List<int>();
        Action<int> subscriber = received.Add;
        var first = _list.Subscribe(subscriber);
        _list.Subscribe(subscriber); // the same delegate twice: the second subscription must survive the first's double dispose

        first.Dispose();
        first.Dispose();
        _list.Publish(1);

        Assert.Equal(1, _list.Count);
        Assert.Equal([1], received);
    }
}
