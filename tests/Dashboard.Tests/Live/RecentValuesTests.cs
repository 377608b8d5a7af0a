using Dashboard.Live;

namespace Dashboard.Tests.Live;

public sealed class RecentValuesTests
{
    [Fact]
    public void Keeps_the_latest_values_oldest_first_with_their_times()
    {
        var recent = new RecentValues(3);
        Assert.Empty(recent.ToArrays().Values);

        for (var i = 1; i <= 5; i++)
        {
            recent.Add(i, i * TimeSpan.TicksPerSecond);
        }

        var (values, times) = recent.ToArrays();
        Assert.Equal([3.0, 4, 5], values);
        Assert.Equal([3L, 4, 5], times.Select(t => t.UtcTicks / TimeSpan.TicksPerSecond));
        Assert.All(times, t => Assert.Equal(TimeSpan.Zero, t.Offset));
    }

    [Fact]
    public void Before_it_is_full_it_holds_what_it_was_given()
    {
        var recent = new RecentValues(60);
        recent.Add(1.5, 10);
        recent.Add(2.5, 20);

        Assert.Equal([1.5, 2.5], recent.ToArrays().Values);
    }
}
