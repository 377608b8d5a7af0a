using System.Net;

namespace Dashboard.Broker.Admin;

/// <summary>What a ban matches in a CONNECT.</summary>
public enum BanKind
{
    ClientId,
    UserName,

    /// <summary>An IP address, or a network in CIDR notation (<c>192.168.1.0/24</c>).</summary>
    Address,
}

/// <summary>A ban in force: a CONNECT that matches it is refused (MQTT 5: CONNACK 0x8A Banned; 3.1.1: return code 5).</summary>
public sealed record BrokerBan(long Id, BanKind Kind, string Value, string? Reason, string? CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt)
{
    private readonly IPNetwork? _network = Kind == BanKind.Address && TryParseNetwork(Value, out var network) ? network : null;

    public bool IsActive(DateTimeOffset now) => ExpiresAt is not { } expires || expires > now;

    internal bool Matches(string? clientId, string? userName, IPAddress? address) => Kind switch
    {
        BanKind.ClientId => string.Equals(Value, clientId, StringComparison.Ordinal),
        BanKind.UserName => string.Equals(Value, userName, StringComparison.Ordinal),
        _ => address is not null && _network is { } network && network.Contains(address),
    };

    internal static BrokerBan From(BanEntity entity) => new(entity.Id, entity.Kind, entity.Value, entity.Reason, entity.CreatedBy,
        new DateTimeOffset(entity.CreatedAt, TimeSpan.Zero), entity.ExpiresAt is { } expires ? new DateTimeOffset(expires, TimeSpan.Zero) : null);

    /// <summary>An address or a CIDR network, normalised (an IPv4-mapped IPv6 address is IPv4, a single address is its /32 or /128).</summary>
    internal static bool TryParseNetwork(string text, out IPNetwork network)
    {
        network = default;
        if (IPAddress.TryParse(text, out var single))
        {
            single = Transport.PendingConnections.Normalize(single);
            network = new IPNetwork(single, single.GetAddressBytes().Length * 8);
            return true;
        }

        // Parsed by hand: IPNetwork.TryParse takes 10.0.0.1/8 as 10.0.0.0/8, which may not be what was meant.
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !IPAddress.TryParse(text[..slash], out var address)
            || !int.TryParse(text[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var prefix)
            || prefix > (address = Transport.PendingConnections.Normalize(address)).GetAddressBytes().Length * 8)
        {
            return false;
        }

        var bytes = address.GetAddressBytes();
        for (var bit = prefix; bit < bytes.Length * 8; bit++)
        {
            if ((bytes[bit / 8] & (0x80 >> (bit % 8))) != 0)
            {
                return false; // a bit set beyond the prefix: 10.0.0.1/8 is not a network
            }
        }

        network = new IPNetwork(address, prefix);
        return true;
    }
}
