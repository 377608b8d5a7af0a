using Dashboard.Broker.External;

namespace Dashboard.Tests.Broker.External;

public sealed class BackoffTests
{
    [Theory]
    [InlineData(1, 0.5, 1)]
    [InlineData(2, 1, 2)]
    [InlineData(3, 2, 4)]
    [InlineData(5, 8, 16)]
    [InlineData(6, 15, 30)]
    [InlineData(50, 15, 30)]
    public void The_wait_doubles_from_one_second_up_to_thirty_spread_over_its_upper_half(int failures, double shortest, double longest)
    {
        Assert.Equal(shortest, Backoff.Delay(failures, 0).TotalSeconds, 6);
        Assert.Equal(longest, Backoff.Delay(failures, 1).TotalSeconds, 6);
        Assert.InRange(Backoff.Delay(failures, 0.37).TotalSeconds, shortest, longest);
    }
}
