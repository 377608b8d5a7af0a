using Dashboard.Components.History;

namespace Dashboard.Tests.Components.History;

public sealed class DeviceHistoryRangeTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(5, "1h")]
    [InlineData(59, "1h")]
    [InlineData(61, "6h")]
    [InlineData(5 * 60, "6h")]
    [InlineData(20 * 60, "24h")]
    [InlineData(3 * 24 * 60, "7d")]
    [InlineData(30 * 24 * 60, "7d")] // older data than the longest range: the longest
    public void The_chart_opens_on_the_smallest_range_that_holds_its_oldest_reading(int minutesAgo, string expected) =>
        Assert.Equal(expected, DeviceHistory.Fitting(Now.AddMinutes(-minutesAgo), Now).Key);

    [Fact]
    public void Without_data_it_opens_on_24_hours() => Assert.Equal("24h", DeviceHistory.Fitting(null, Now).Key);

    [Fact]
    public void The_ranges_read_as_titles() =>
        Assert.Equal(["Last hour", "Last 6 hours", "Last 24 hours", "Last 7 days"], DeviceHistory.Ranges.Select(DeviceHistory.Title));
}
