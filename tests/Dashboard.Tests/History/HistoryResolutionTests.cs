using Dashboard.History;

namespace Dashboard.Tests.History;

public sealed class HistoryResolutionTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly HistoryOptions Options = new();

    private static HistoryResolution For(TimeSpan range, int maxPoints = 1000, TimeSpan? endsAgo = null)
    {
        var to = Now - (endsAgo ?? TimeSpan.Zero);
        return HistoryResolutions.Choose(to - range, to, maxPoints, Now, Options);
    }

    [Fact]
    public void An_hour_is_read_from_raw_readings() => Assert.Equal(HistoryResolution.Raw, For(TimeSpan.FromHours(1)));

    [Fact]
    public void A_day_is_read_from_minute_rollups() => Assert.Equal(HistoryResolution.Minute, For(TimeSpan.FromDays(1)));

    [Fact]
    public void Thirty_days_are_read_from_minute_rollups_when_the_chart_has_room_for_them() =>
        Assert.Equal(HistoryResolution.Minute, For(TimeSpan.FromDays(30), maxPoints: 1000));

    [Fact]
    public void A_year_is_read_from_hour_rollups() => Assert.Equal(HistoryResolution.Hour, For(TimeSpan.FromDays(365)));

    [Fact]
    public void An_hour_older_than_raw_retention_is_read_from_minute_rollups() =>
        Assert.Equal(HistoryResolution.Minute, For(TimeSpan.FromHours(1), endsAgo: Options.RawRetention + TimeSpan.FromHours(1)));

    [Fact]
    public void An_hour_older_than_minute_retention_is_read_from_hour_rollups() =>
        Assert.Equal(HistoryResolution.Hour, For(TimeSpan.FromHours(1), endsAgo: Options.MinuteRetention + TimeSpan.FromHours(1)));
}
