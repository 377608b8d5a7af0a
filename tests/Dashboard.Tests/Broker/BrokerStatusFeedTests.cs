using Dashboard.Broker.Status;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dashboard.Tests.Broker;

public sealed class BrokerStatusFeedTests
{
    [Fact]
    public void A_throwing_subscriber_does_not_stop_the_others_or_the_sampler()
    {
        var feed = new BrokerStatusFeed(NullLogger<BrokerStatusFeed>.Instance);
        var received = new List<BrokerStatus>();
        feed.Subscribe(_ => throw new InvalidOperationException("a panel's bug"));
        feed.Subscribe(received.Add);
        var status = BrokerStatus.Starting with { ConnectedClients = 5 };

        feed.Publish(status); // the sampler's call: must not throw

        Assert.Equal([status], received);
        Assert.Same(status, feed.Current);
    }
}
