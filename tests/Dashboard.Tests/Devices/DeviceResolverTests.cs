using Dashboard.Devices;

namespace Dashboard.Tests.Devices;

public sealed class DeviceResolverTests
{
    private readonly DeviceResolver _resolver = new(maxStatusDevices: 100);

    [Fact]
    public void Readings_belong_to_the_longest_device_known_from_a_status_topic()
    {
        _resolver.AddStatusDevice("home");
        _resolver.AddStatusDevice("home/sensor1");

        Assert.Equal("home/sensor1", _resolver.Resolve("home/sensor1/climate/temperature", null));
        Assert.Equal("home/sensor1", _resolver.Resolve("home/sensor1/temperature", null));
        Assert.Equal("home", _resolver.Resolve("home/humidity", null));
    }

    [Fact]
    public void A_status_device_claims_its_own_topic_and_those_below_it_level_by_level_not_by_prefix()
    {
        _resolver.AddStatusDevice("home/sensor1");

        Assert.Equal("home/sensor1", _resolver.Resolve("home/sensor1", null));
        Assert.Equal("home/sensor10", _resolver.Resolve("home/sensor10/temperature", null));
    }

    [Fact]
    public void A_status_device_wins_over_the_payloads_device_field()
    {
        _resolver.AddStatusDevice("home");

        Assert.Equal("home", _resolver.Resolve("home/gateway/data", "greenhouse-2"));
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
        Assert.Equal("a", resolver.Resolve("a/x/temperature", null));
        Assert.Equal("c/x", resolver.Resolve("c/x/temperature", null));
    }
}
