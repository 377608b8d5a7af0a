using Dashboard.Live;

namespace Dashboard.Tests.Live;

public sealed class RateMeterTests
{
    private static readonly long Start = new DateTime(2026, 11, 23, 12, 0, 0, DateTimeKind.Utc).Ticks;

    private static long At(double seconds) => Start + (long)(seconds * TimeSpan.TicksPerSecond);

    [Fact]
    public void A_young_window_counts_over_at_least_a_second()
    {
        var meter = new RateMeter();
        for (var i = 0; i < 3; i++)
        {
            meter.Add(At(i * 0.1));
        }

        Assert.Equal(3, meter.PerSecond(At(0.5)));
        Assert.Equal(1.5, meter.PerSecond(At(2)));
    }

    [Fact]
    public void A_young_window_shows_the_last_window_if_that_was_busier()
    {
        var meter = new RateMeter();
        for (var i = 0; i < 50; i++)
        {
            meter.Add(At(i * 0.1)); // 10/s for 5 s
        }

        meter.Add(At(5)); // closes the window: 50 messages in 5 s
        Assert.Equal(10, meter.PerSecond(At(6)));
    }

    [Fact]
    public void An_old_window_counts_over_its_age_and_a_quiet_topic_reads_zero()
    {
        var meter = new RateMeter();
        for (var i = 0; i < 12; i++)
        {
            meter.Add(At(i * 0.1));
        }

        Assert.Equal(2, meter.PerSecond(At(6)));
        Assert.Equal(0, meter.PerSecond(At(10)));
    }
}
