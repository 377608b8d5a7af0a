using Dashboard.Alerts.Notifications;

namespace Dashboard.Tests.Alerts.Notifications;

public sealed class NotificationBackoffTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_defaults_wait_5_s_then_30_s_then_2_min_and_then_give_up()
    {
        var options = new NotificationsOptions();

        Assert.Equal(
            [TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), null],
            Enumerable.Range(1, 4).Select(retry => NotificationBackoff.Delay(retry, options)));
    }

    [Fact]
    public void Waits_grow_by_the_factor_up_to_the_maximum()
    {
        var options = new NotificationsOptions { Retries = 5, RetryDelay = TimeSpan.FromSeconds(1), RetryBackoff = 2, MaxRetryDelay = TimeSpan.FromSeconds(5) };

        Assert.Equal([1, 2, 4, 5, 5], Enumerable.Range(1, 5).Select(retry => NotificationBackoff.Delay(retry, options)!.Value.TotalSeconds));
    }

    [Fact]
    public void No_retries_means_one_try()
    {
        Assert.Null(NotificationBackoff.Delay(1, new NotificationsOptions { Retries = 0 }));
    }

    [Fact]
    public void The_rate_limit_lets_n_through_per_minute_and_counts_the_rest_for_one_summary()
    {
        var limit = new NotificationRateLimit(3);

        var passed = Enumerable.Range(0, 10).Count(i => limit.TryTake(Start.AddSeconds(i)));

        Assert.Equal(3, passed);
        Assert.Equal(0, limit.TakeSummary(Start.AddSeconds(59))); // the minute is not over
        Assert.Equal(7, limit.TakeSummary(Start.AddSeconds(60)));
        Assert.Equal(0, limit.TakeSummary(Start.AddSeconds(200))); // told once
    }

    [Fact]
    public void The_summary_counts_against_the_next_minute()
    {
        var limit = new NotificationRateLimit(2);
        for (var i = 0; i < 5; i++)
        {
            limit.TryTake(Start);
        }

        Assert.Equal(3, limit.TakeSummary(Start.AddMinutes(1)));
        Assert.True(limit.TryTake(Start.AddMinutes(1).AddSeconds(1)));
        Assert.False(limit.TryTake(Start.AddMinutes(1).AddSeconds(2))); // summary + 1 = 2
        Assert.Equal(1, limit.TakeSummary(Start.AddMinutes(2).AddSeconds(2)));
        Assert.True(limit.TryTake(Start.AddMinutes(2).AddSeconds(2)));
    }

    [Fact]
    public void A_quiet_channel_starts_a_fresh_minute()
    {
        var limit = new NotificationRateLimit(1);

        Assert.True(limit.TryTake(Start));
        Assert.True(limit.TryTake(Start.AddMinutes(5)));
        Assert.Equal(0, limit.TakeSummary(Start.AddMinutes(10)));
    }
}
