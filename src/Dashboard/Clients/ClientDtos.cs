using Dashboard.Broker.Admin;

namespace Dashboard.Clients;

/// <summary>What <c>POST /api/bans</c> takes: <c>kind</c> clientId, username or address; <c>durationMinutes</c> absent for until lifted.</summary>
public sealed record BanRequest(string? Kind, string? Value, double? DurationMinutes, string? Reason);

public sealed record BanDto(long Id, string Kind, string Value, string? Reason, string? CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt)
{
    public static BanDto From(BrokerBan ban) => new(ban.Id, KindName(ban.Kind), ban.Value, ban.Reason, ban.CreatedBy, ban.CreatedAt, ban.ExpiresAt);

    public static string KindName(BanKind kind) => kind switch
    {
        BanKind.ClientId => "clientId",
        BanKind.UserName => "username",
        _ => "address",
    };

    public static BanKind? ParseKind(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "clientid" or "client-id" or "client" => BanKind.ClientId,
        "username" or "user" => BanKind.UserName,
        "address" or "ip" => BanKind.Address,
        _ => null,
    };
}

/// <summary><c>POST /api/bans</c>'s answer: the ban and how many connected clients it disconnected.</summary>
public sealed record BanCreatedDto(BanDto Ban, int Disconnected);
