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
        tracker.OnStatusReport(new PresenceReport("home/sensor1", true), "home/sensor1/status", "esp32-1", will: null, Time, restored: false);

        var device = tracker.Snapshot("home/sensor1")!;
        Assert.Equal((DeviceStatus.Online, "status topic home/sensor1/status"), (device.Status, device.StatusSource));
        Assert.True(device.Version > seen);
        Assert.Equal(versions.Last, device.Version);
    }

    [Fact]
    public void One_shot_publishers_of_a_status_and_then_a_reading_leave_the_status_topic_as_the_cause()
    {
        var tracker = Tracker();
        tracker.OnClientConnected(Client("auto-1"), Time);
        tracker.OnStatusReport(new PresenceReport("home/sensor1", true), "home/sensor1/status", "auto-1", will: null, Time, restored: false);
        tracker.OnClientDisconnected(Client("auto-1") with { Graceful = true, End = ConnectionEnd.Disconnected }, Time);
        tracker.OnClientConnected(Client("auto-2"), Time.AddSeconds(1));
        tracker.OnReadings("home/sensor1", "auto-2", Time.AddSeconds(1), restored: false);
        tracker.OnClientDisconnected(Client("auto-2") with { Graceful = true, End = ConnectionEnd.Disconnected }, Time.AddSeconds(1));

        Assert.Equal([(DeviceStatus.Online, PresenceCause.StatusTopic)], tracker.TakeChanges().Presence.Select(c => (c.Status, c.Cause)));
        Assert.Equal((DeviceStatus.Online, PresenceCause.StatusTopic), (tracker.Snapshot("home/sensor1")!.Status, tracker.Snapshot("home/sensor1")!.Cause));
    }

    [Fact]
    public void A_status_topic_that_confirms_a_change_inferred_from_a_connection_becomes_its_cause()
    {
        // Two one-shot publishers: the broker handles their connections concurrently, so the reading may come first.
        var tracker = Tracker();
        tracker.OnClientConnected(Client("auto-2"), Time);
        tracker.OnReadings("home/sensor1", "auto-2", Time, restored: false);
        tracker.OnStatusReport(new PresenceReport("home/sensor1", true), "home/sensor1/status", "auto-1", will: null, Time, restored: false);

        var change = Assert.Single(tracker.TakeChanges().Presence);
        Assert.Equal((DeviceStatus.Online, PresenceCause.StatusTopic, "status topic home/sensor1/status"), (change.Status, change.Cause, change.Detail));
    }

    private DeviceTracker Tracker() => new(_feed, new VersionCounter(), maxDisconnectedClients: 10, TimeProvider.System);

    private static ClientInfo Gone(string clientId, ConnectionEnd end, DateTimeOffset connectedAt) =>
        new(clientId, null, "192.0.2.7:50000", "tcp", "3.1.1", true, 60, connectedAt, end is ConnectionEnd.Disconnected, "home/esp32/status", end);

    [Fact]
    public void A_will_is_told_apart_from_the_device_s_own_status_and_says_why_the_connection_ended()
    {
        var tracker = Tracker();
        tracker.OnStatusReport(new PresenceReport("home/esp32", true), "home/esp32/status", "esp32", will: null, Time, restored: false);
        tracker.OnStatusReport(new PresenceReport("home/esp32", false), "home/esp32/status", "esp32",
            Gone("esp32", ConnectionEnd.KeepAliveTimeout, Time), Time.AddMinutes(5), restored: false);

        var changes = tracker.TakeChanges().Presence;
        Assert.Equal([(DeviceStatus.Online, PresenceCause.StatusTopic), (DeviceStatus.Offline, PresenceCause.Will)],
            changes.Select(c => (c.Status, c.Cause)));
        Assert.Contains("missed its keep-alive", changes[1].Detail);
        Assert.Empty(tracker.TakeChanges().Presence);
    }

    [Theory]
    [InlineData(ConnectionEnd.KeepAliveTimeout, DeviceStatus.Offline, PresenceCause.KeepAliveTimeout)]
    [InlineData(ConnectionEnd.ConnectionLost, DeviceStatus.Offline, PresenceCause.ConnectionLost)]
    [InlineData(ConnectionEnd.Disconnected, DeviceStatus.Unknown, PresenceCause.Disconnected)]
    public void A_device_without_a_status_topic_follows_its_client_s_connection_with_the_cause(ConnectionEnd end, DeviceStatus status, PresenceCause cause)
    {
        var tracker = Tracker();
        tracker.OnClientConnected(Client("sensor"), Time);
        tracker.OnReadings("lab/bench", "sensor", Time, restored: false);
        tracker.OnClientDisconnected(Gone("sensor", end, Time), Time.AddMinutes(10));

        var device = tracker.Snapshot("lab/bench")!;
        Assert.Equal((status, cause), (device.Status, device.Cause));
        Assert.Equal(cause, tracker.TakeChanges().Presence[^1].Cause);
    }

    [Fact]
    public void The_broker_stopping_says_nothing_about_the_devices()
    {
        var tracker = Tracker();
        tracker.OnClientConnected(Client("sensor"), Time);
        tracker.OnReadings("lab/bench", "sensor", Time, restored: false);
        tracker.OnClientDisconnected(Gone("sensor", ConnectionEnd.BrokerStopping, Time), Time.AddMinutes(10));

        Assert.Equal(DeviceStatus.Online, tracker.Snapshot("lab/bench")!.Status);
    }

    [Fact]
    public void The_end_of_a_connection_taken_over_does_not_take_the_new_one_s_device_offline()
    {
        var tracker = Tracker();
        tracker.OnClientConnected(Client("sensor"), Time);
        tracker.OnReadings("lab/bench", "sensor", Time, restored: false);
        tracker.OnClientConnected(Client("sensor") with { ConnectedAt = Time.AddMinutes(1) }, Time.AddMinutes(1));
        tracker.OnClientDisconnected(Gone("sensor", ConnectionEnd.TakenOver, Time), Time.AddMinutes(1));

        Assert.Equal(DeviceStatus.Online, tracker.Snapshot("lab/bench")!.Status);
        Assert.True(tracker.Clients().Single().Connected);
    }

    [Fact]
    public void Expected_every_turns_silence_into_offline_and_a_reading_back_into_online()
    {
        var tracker = Tracker();
        tracker.OnReadings("garden/soil", null, Time, restored: false);
        tracker.Configure("garden/soil", DeviceSettings.None with { ExpectedEvery = TimeSpan.FromMinutes(1) });

        tracker.CheckSilence(Time.AddSeconds(59));
        Assert.NotEqual(DeviceStatus.Offline, tracker.Snapshot("garden/soil")!.Status);

        tracker.CheckSilence(Time.AddSeconds(61));
        var silent = tracker.Snapshot("garden/soil")!;
        Assert.Equal((DeviceStatus.Offline, PresenceCause.Silent), (silent.Status, silent.Cause));
        Assert.Contains("expected every 60 s", silent.StatusSource);

        tracker.OnReadings("garden/soil", null, Time.AddSeconds(90), restored: false);
        var back = tracker.Snapshot("garden/soil")!;
        Assert.Equal((DeviceStatus.Online, PresenceCause.Reading), (back.Status, back.Cause));
    }

    [Fact]
    public void A_device_expected_every_minute_that_publishes_with_one_shot_clients_follows_its_readings_not_their_connections()
    {
        var tracker = Tracker();
        void OneShot(string client, DateTimeOffset at) // mosquitto_pub: connect, publish, disconnect, a new client id each time
        {
            tracker.OnClientConnected(Client(client) with { ConnectedAt = at }, at);
            tracker.OnReadings("garden/soil", client, at, restored: false);
            tracker.OnClientDisconnected(Gone(client, ConnectionEnd.Disconnected, at), at);
        }

        OneShot("mosq-1", Time);
        tracker.Configure("garden/soil", DeviceSettings.None with { ExpectedEvery = TimeSpan.FromMinutes(1) });
        tracker.CheckSilence(Time.AddSeconds(61));
        Assert.Equal(DeviceStatus.Offline, tracker.Snapshot("garden/soil")!.Status);

        OneShot("mosq-2", Time.AddSeconds(90));
        var back = tracker.Snapshot("garden/soil")!;
        Assert.Equal((DeviceStatus.Online, PresenceCause.Reading), (back.Status, back.Cause)); // not "unknown" as its client went
    }

    [Fact]
    public void A_restored_device_keeps_its_name_and_last_seen_with_its_presence_unknown_and_nothing_to_write()
    {
        var tracker = Tracker();
        var settings = DeviceSettings.None with { DisplayName = "Kitchen sensor", Group = "Kitchen" };
        tracker.Restore(new RegisteredDevice("home/kitchen", Time.AddDays(-3), Time.AddHours(-1), "esp-k", "192.0.2.9:4000", settings));

        var device = tracker.Snapshot("home/kitchen")!;
        Assert.Equal(("Kitchen sensor", DeviceStatus.Unknown, Time.AddHours(-1), "192.0.2.9:4000"),
            (device.Name, device.Status, device.LastSeen, device.RemoteAddress));
        var changes = tracker.TakeChanges();
        Assert.Empty(changes.Devices);
        Assert.Empty(changes.Presence);
    }

    [Fact]
    public void A_forgotten_device_is_gone_and_is_not_written_again()
    {
        var tracker = Tracker();
        tracker.OnStatusReport(new PresenceReport("test/dev1", true), "test/dev1/status", "t1", will: null, Time, restored: false);

        Assert.NotNull(tracker.Forget("test/dev1"));

        Assert.Null(tracker.Snapshot("test/dev1"));
        var changes = tracker.TakeChanges();
        Assert.Empty(changes.Devices);
        Assert.Empty(changes.Presence);
        Assert.Null(tracker.Forget("test/dev1"));
    }

    [Fact]
    public void A_device_found_to_be_none_is_deleted_from_the_registry_and_one_that_comes_back_is_not()
    {
        var tracker = Tracker();
        tracker.OnReadings("home/bedroom", null, Time, restored: false);
        tracker.TakeChanges();

        tracker.Forget("home/bedroom", orphaned: true);
        Assert.Equal(["home/bedroom"], tracker.TakeChanges().Removed);

        tracker.Forget(tracker.OnReadings("home/attic", null, Time, restored: false).Id, orphaned: true);
        tracker.OnReadings("home/attic", null, Time, restored: false);
        var changes = tracker.TakeChanges();
        Assert.Empty(changes.Removed);
        Assert.Equal(["home/attic"], changes.Devices.Select(d => d.Id));
    }
}
