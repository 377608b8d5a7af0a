using Dashboard.Broker.Auth;

namespace Dashboard.Tests.Broker;

public sealed class AclTests
{
    private static readonly AclEntry[] Device =
    [
        new("devices/%u/#", AclAccess.ReadWrite),
        new("devices/%u/secrets/#", AclAccess.Deny),
        new("cmd/%c/#", AclAccess.Read),
        new("broadcast/+", AclAccess.Read),
    ];

    [Theory]
    [InlineData("devices/s7/temp", true)]
    [InlineData("devices/s7", true)] // "a/#" also matches "a"
    [InlineData("devices/s8/temp", false)]
    [InlineData("devices/s7/secrets/key", false)]
    [InlineData("cmd/esp-1/reboot", false)] // read only
    [InlineData("other", false)]
    public void Publish(string topic, bool allowed) => Assert.Equal(allowed, Acl.CanPublish(Device, topic, "s7", "esp-1"));

    [Theory]
    [InlineData("cmd/esp-1/reboot", true)]
    [InlineData("cmd/esp-2/reboot", false)]
    [InlineData("broadcast/time", true)]
    [InlineData("broadcast/time/utc", false)]
    [InlineData("devices/s7/secrets", false)]
    public void Read(string topic, bool allowed) => Assert.Equal(allowed, Acl.CanRead(Device, topic, "s7", "esp-1"));

    [Theory]
    [InlineData("devices/s7/#", true)]
    [InlineData("devices/s7/+/temp", true)]
    [InlineData("devices/+/temp", false)] // could match other devices
    [InlineData("devices/#", false)]
    [InlineData("#", false)]
    [InlineData("devices/s7/secrets/#", false)]
    [InlineData("broadcast/+", true)]
    [InlineData("broadcast/#", false)]
    [InlineData("cmd/esp-1/#", true)]
    public void Subscribe(string filter, bool allowed) => Assert.Equal(allowed, Acl.CanSubscribe(Device, filter, "s7", "esp-1"));

    [Fact]
    public void An_empty_acl_allows_everything() =>
        Assert.True(Acl.CanPublish([], "any/topic", null, "c") && Acl.CanSubscribe([], "#", null, "c") && Acl.CanRead([], "x", null, "c"));

    [Theory]
    [InlineData("a+b")]
    [InlineData("a/b")]
    [InlineData("#")]
    public void A_username_with_wildcards_or_separators_never_matches_u(string user) =>
        Assert.False(Acl.CanPublish(Device, $"devices/{user}/temp", user, "c"));

    [Fact]
    public void Anonymous_clients_never_match_u() => Assert.False(Acl.CanPublish(Device, "devices//temp", null, "c"));

    [Fact]
    public void Wildcards_at_the_first_level_do_not_reach_dollar_topics()
    {
        AclEntry[] all = [new("#", AclAccess.ReadWrite)];
        Assert.False(Acl.CanRead(all, "$SYS/broker/uptime", "u", "c"));
        Assert.True(Acl.CanRead([new("$SYS/#", AclAccess.Read)], "$SYS/broker/uptime", "u", "c"));
    }

    [Theory]
    [InlineData("devices/x%u/#", true)]
    [InlineData("devices/%u%c", true)]
    [InlineData("devices/%u/#", false)]
    public void Substitutions_must_be_whole_levels(string filter, bool partial) => Assert.Equal(partial, Acl.HasPartialSubstitution(filter));
}
