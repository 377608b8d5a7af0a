using System.Net;
using Dashboard.Broker.Admin;

namespace Dashboard.Tests.Broker;

public sealed class BanTests
{
    [Theory]
    [InlineData(BanKind.Address, " 192.168.1.7 ", "192.168.1.7")]
    [InlineData(BanKind.Address, "::ffff:10.0.0.1", "10.0.0.1")]
    [InlineData(BanKind.Address, "10.0.0.0/8", "10.0.0.0/8")]
    [InlineData(BanKind.Address, "fd00::/8", "fd00::/8")]
    [InlineData(BanKind.ClientId, " sensor-1 ", "sensor-1")]
    [InlineData(BanKind.UserName, "alice", "alice")]
    public void A_ban_value_is_normalised(BanKind kind, string value, string stored) =>
        Assert.Equal((stored, null), BrokerBans.Normalize(kind, value));

    [Theory]
    [InlineData(BanKind.Address, "not an address")]
    [InlineData(BanKind.Address, "10.0.0.1/8")] // host bits set: say the network
    [InlineData(BanKind.ClientId, "   ")]
    [InlineData(BanKind.UserName, null)]
    public void A_ban_value_that_cannot_be_banned_is_refused_with_a_reason(BanKind kind, string? value)
    {
        var (stored, error) = BrokerBans.Normalize(kind, value);
        Assert.Null(stored);
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Theory]
    [InlineData(BanKind.Address, "10.0.0.0/8", "sensor", "alice", "10.1.2.3", true)]
    [InlineData(BanKind.Address, "10.0.0.0/8", "sensor", "alice", "192.168.0.1", false)]
    [InlineData(BanKind.Address, "10.0.0.5", "sensor", "alice", "10.0.0.5", true)]
    [InlineData(BanKind.ClientId, "sensor", "sensor", null, "10.0.0.5", true)]
    [InlineData(BanKind.ClientId, "sensor", "Sensor", null, "10.0.0.5", false)] // client ids are case-sensitive
    [InlineData(BanKind.UserName, "alice", "x", "alice", "10.0.0.5", true)]
    [InlineData(BanKind.UserName, "alice", "alice", null, "10.0.0.5", false)] // a username ban is not a client id ban
    public void A_ban_matches_its_kind_only(BanKind kind, string value, string clientId, string? userName, string address, bool matches)
    {
        var ban = new BrokerBan(1, kind, value, null, null, DateTimeOffset.UnixEpoch, null);
        Assert.Equal(matches, ban.Matches(clientId, userName, IPAddress.Parse(address)));
    }

    [Fact]
    public void An_expired_ban_is_not_in_force()
    {
        var now = DateTimeOffset.Parse("2026-12-02T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        Assert.False(new BrokerBan(1, BanKind.ClientId, "x", null, null, now.AddHours(-2), now.AddHours(-1)).IsActive(now));
        Assert.True(new BrokerBan(1, BanKind.ClientId, "x", null, null, now.AddHours(-2), now.AddHours(1)).IsActive(now));
        Assert.True(new BrokerBan(1, BanKind.ClientId, "x", null, null, now.AddHours(-2), null).IsActive(now));
    }
}
