using Bunit;
using Dashboard.Components.Devices;
using Dashboard.Devices;
using Dashboard.Live;
using Dashboard.Tests.Live;
using MudBlazor.Services;

namespace Dashboard.Tests.Components;

public sealed class PresenceTimelineTests : BunitContext, IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private readonly LiveFixture _live = new();

    public PresenceTimelineTests() => Services.AddMudServices();

    private IRenderedComponent<PresenceTimeline> Render(IReadOnlyList<PresenceRecord> changes)
    {
        _live.Publish("home/door/status", "online", clientId: "door");
        return Render<PresenceTimeline>(p => p
            .Add(t => t.Device, _live.Device("home/door"))
            .Add(t => t.Changes, changes)
            .Add(t => t.Now, Now));
    }

    [Fact]
    public void The_timeline_shows_uptime_and_each_change_with_its_cause_newest_first()
    {
        var timeline = Render(
        [
            new("home/door", Now.AddHours(-12), DeviceStatus.Online, PresenceCause.StatusTopic, "status topic home/door/status"),
            new("home/door", Now.AddHours(-6), DeviceStatus.Offline, PresenceCause.Will, "Last Will of door on home/door/status (it missed its keep-alive)"),
        ]);

        Assert.Equal("online 50 % of 24 h", timeline.Find(".uptime[data-window='24h']").TextContent.Trim());
        var rows = timeline.FindAll(".presence-changes tr");
        Assert.Equal(["will", "status-topic"], rows.Select(r => r.GetAttribute("data-cause")));
        Assert.Contains("it missed its keep-alive", rows[0].TextContent);
        Assert.Contains("6 h ago", rows[0].TextContent);
        Assert.Equal(3, timeline.FindAll(".presence-span").Count); // unknown, online, offline
        Assert.Empty(timeline.FindAll(".flapping"));
    }

    [Fact]
    public void A_flapping_device_is_flagged()
    {
        var changes = Enumerable.Range(0, 8).Select(i => new PresenceRecord("home/door", Now.AddMinutes(-50 + (i * 5)),
            i % 2 == 0 ? DeviceStatus.Offline : DeviceStatus.Online, PresenceCause.ConnectionLost, "client door lost its connection")).ToList();

        var timeline = Render(changes);

        Assert.Contains("flapping: 8 changes in the last hour", timeline.Find(".flapping").TextContent);
    }

    [Fact]
    public void No_changes_yet_says_so_rather_than_showing_an_empty_table()
    {
        var timeline = Render([]);

        Assert.Contains("No changes recorded yet", timeline.Find(".no-changes").TextContent);
        Assert.Equal("uptime over 24 h unknown", timeline.Find(".uptime[data-window='24h']").TextContent.Trim());
    }

    public Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        _live.Dispose();
        await DisposeAsync();
    }
}
