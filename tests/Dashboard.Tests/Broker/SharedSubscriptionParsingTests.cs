using Dashboard.Broker.Shared;

namespace Dashboard.Tests.Broker;

public sealed class SharedSubscriptionParsingTests
{
    [Theory]
    [InlineData("$share/workers/jobs/#", "workers", "jobs/#")]
    [InlineData("$share/g/+", "g", "+")]
    public void Splits_group_and_filter(string topicFilter, string group, string filter)
    {
        Assert.True(SharedSubscriptions.TryParse(topicFilter, out var g, out var f));
        Assert.Equal((group, filter), (g, f));
    }

    [Theory]
    [InlineData("jobs/#")]
    [InlineData("$share/")]
    [InlineData("$share//jobs")]
    [InlineData("$share/work+ers/jobs")]
    [InlineData("$share/workers")]
    [InlineData("$share/workers/a/#/b")]
    public void Refuses_what_is_not_a_valid_shared_subscription(string topicFilter) =>
        Assert.False(SharedSubscriptions.TryParse(topicFilter, out _, out _));
}
