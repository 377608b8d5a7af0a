using Dashboard.Devices;
using Dashboard.Live;
using Dashboard.Registry;

namespace Dashboard.Tests.Registry;

public sealed class PresenceSummaryTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    private static PresenceRecord Change(TimeSpan ago, DeviceStatus status) => new("d", Now - ago, status, PresenceCause.StatusTopic, "");

    [Fact]
    public void Uptime_is_the_share_of_the_known_time_online()
    {
        var summary = PresenceSummary.Of([Change(TimeSpan.FromHours(20), DeviceStatus.Online), Change(TimeSpan.FromHours(10), DeviceStatus.Offline)], Now);

        Assert.Equal(0.5, summary.Uptime24h!.Value, 3); // 4 h unknown, then 10 h online and 10 h offline
        Assert.Equal(0.5, summary.Uptime7d!.Value, 3);
        Assert.Equal([DeviceStatus.Unknown, DeviceStatus.Online, DeviceStatus.Offline], summary.Last24h.Select(s => s.Status));
        Assert.False(summary.Flapping);
    }

    [Fact]
    public void The_change_before_the_window_says_how_it_opens()
    {
        var summary = PresenceSummary.Of([Change(TimeSpan.FromDays(3), DeviceStatus.Online), Change(TimeSpan.FromHours(6), DeviceStatus.Offline)], Now);

        Assert.Equal(0.75, summary.Uptime24h!.Value, 3);
        Assert.Equal(DeviceStatus.Online, summary.Last24h[0].Status);
    }

    [Fact]
    public void Nothing_known_is_no_uptime_rather_than_zero()
    {
        var summary = PresenceSummary.Of([], Now);

        Assert.Null(summary.Uptime24h);
        Assert.Null(summary.Uptime7d);
    }

    [Fact]
    public void Six_changes_within_an_hour_are_flapping()
    {
        var changes = Enumerable.Range(0, PresenceSummary.FlapChanges)
            .Select(i => Change(TimeSpan.FromMinutes(50 - (i * 5)), i % 2 == 0 ? DeviceStatus.Offline : DeviceStatus.Online)).ToList();

        var summary = PresenceSummary.Of(changes, Now);

        Assert.True(summary.Flapping);
        Assert.Equal(PresenceSummary.FlapChanges, summary.ChangesLastHour);
        Assert.False(PresenceSummary.Of(changes[1..], Now).Flapping);
    }
}
