using Dashboard.Broker.Events;
using Dashboard.Devices;
using Dashboard.Live;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dashboard.Tests.Live;

public sealed class DeviceTrackerTests : IDisposable
{
    private static readonly DateTimeOffset Time = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private readonly LiveFeed _feed = new(NullLogger<LiveFeed>.Instance);

    public void Dispose() => _feed.Dispose();

    private static ClientInfo Client(string clientId) =>
        new(clientId, null, "192.0.2.7:50000", "tcp", "3.1.1", true, 60, Time, false, null);

    [Fact]
    public void Disconnected_clients_beyond_the_maximum_are_forgotten_unless_they_publish_for_a_device()
    {
        var tracker = new DeviceTracker(_feed, new VersionCounter(), maxDisconnectedClients: 1, TimeProvider.System);
        tracker.OnClientConnected(Client("sensor"), Time);
        tracker.OnReadings("lab/bench", "sensor", Time, restored: false);
        foreach (var id in new[] { "sensor", "a", "b" })
        {
            tracker.OnClientConnected(Client(id), Time);
            tracker.OnClientDisconnected(Client(id), Time);
        }

        Assert.Equal(["b", "sensor"], tracker.Clients().Select(c => c.ClientId).Order());
    }

    [Fact]
    public void Every_change_to_a_device_takes_a_new_version()
    {
        var versions = new VersionCounter();
        var tracker = new DeviceTracker(_feed, versions, maxDisconnectedClients: 10, TimeProvider.System);

        tracker.OnReadings("home/sensor1", "esp32-1", Time, restored: false);
        var seen = tracker.Snapshot("home/sensor1")!.Version;
        tracker.OnStatusReport(new PresenceReport("home/sensor1", true), "home/sensor1/status", "esp32-1", Time, restored: false);

        var device = tracker.Snapshot("home/sensor1")!;
        Assert.Equal((DeviceStatus.Online, "status topic home/sensor1/status"), (device.Status, device.StatusSource));
        Assert.True(device.Version > seen);
        Assert.Equal(versions.Last, device.Version);
    }
}
