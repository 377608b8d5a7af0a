using Dashboard.Devices;

namespace Dashboard.Tests.Devices;

public sealed class DeviceResolverTests
{
    private readonly DeviceResolver _resolver = new(maxStatusDevices: 100);

    [Fact]
    public void A_status_topic_claims_its_own_device_only()
    {
        // The tutorials' retained home/status no longer swallows every device under home/.
        _resolver.AddStatusDevice("home");
        _resolver.AddStatusDevice("home/sensor1");

        Assert.Equal("home/sensor1", _resolver.Resolve("home/sensor1/temperature", null));
        Assert.Equal("home", _resolver.Resolve("home/humidity", null));
        Assert.Equal("home/livingroom", _resolver.Resolve("home/livingroom/temperature", null));
        Assert.Equal("home/sensor1/climate", _resolver.Resolve("home/sensor1/climate/temperature", null));
        Assert.Equal("home/sensor10", _resolver.Resolve("home/sensor10/temperature", null));
    }

    [Fact]
    public void A_topic_maps_to_the_same_device_whatever_arrived_first()
    {
        var before = _resolver.Resolve("home/kitchen/temperature", null);
        _resolver.AddStatusDevice("home");
        _resolver.AddStatusDevice("home/kitchen");

        Assert.Equal(before, _resolver.Resolve("home/kitchen/temperature", null));
    }

    [Theory]
    [InlineData("home/led/set", true)]
    [InlineData("esphome-node/switch/relay/command", true)]
    [InlineData("devices/pump/CMD", true)]
    [InlineData("fleet/pump7/cmnd", true)]
    [InlineData("home/led/state", false)]
    [InlineData("home/settings", false)]
    [InlineData("set", true)]
    public void Command_topics_are_recognised_by_their_last_level(string topic, bool command) =>
        Assert.Equal(command, DeviceResolver.IsCommandTopic(topic));

    [Fact]
    public void A_status_device_wins_over_the_payloads_device_field()
    {
        _resolver.AddStatusDevice("home");

        Assert.Equal("home", _resolver.Resolve("home/data", "greenhouse-2"));
        Assert.Equal("greenhouse-2", _resolver.Resolve("home/gateway/data", "greenhouse-2"));
    }

    [Fact]
    public void Without_a_status_device_a_reading_belongs_to_its_device_field_else_to_its_topic_minus_the_last_level()
    {
        Assert.Equal("greenhouse-2", _resolver.Resolve("sensors/data", "greenhouse-2"));
        Assert.Equal("home/livingroom", _resolver.Resolve("home/livingroom/temperature", null));
        Assert.Equal("home/livingroom", _resolver.Resolve("home/livingroom/temperature", ""));
    }

    [Theory]
    [InlineData("temperature", "temperature")]
    [InlineData("/temperature", "/temperature")]
    [InlineData("/home/temperature", "/home")]
    [InlineData("home//temperature", "home/")]
    public void A_topic_with_no_level_before_its_last_is_its_own_device(string topic, string device) =>
        Assert.Equal(device, _resolver.Resolve(topic, null));

    [Fact]
    public void Status_devices_beyond_the_maximum_are_counted_not_remembered()
    {
        var resolver = new DeviceResolver(maxStatusDevices: 2);
        resolver.AddStatusDevice("a");
        resolver.AddStatusDevice("b");
        resolver.AddStatusDevice("a");
        resolver.AddStatusDevice("c");

        Assert.Equal((2, 1L), (resolver.StatusDevices, resolver.StatusDevicesDropped));
        Assert.Equal("a", resolver.Resolve("a/temperature", "hint"));
        Assert.Equal("hint", resolver.Resolve("c/temperature", "hint"));
    }
}
