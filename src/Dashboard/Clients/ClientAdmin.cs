using Dashboard.Broker.Admin;
using Dashboard.EventLog;

namespace Dashboard.Clients;

/// <summary>The admin actions on clients and bans, each recorded in the event log (who, what, on what); the API and the Clients page both use it.</summary>
public sealed class ClientAdmin(BrokerClients clients, BrokerBans bans, EventLogService log)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public Task<IReadOnlyList<BrokerClientInfo>> ListAsync() => clients.ListAsync();

    /// <summary>One page of the clients that match <paramref name="search"/> (see <see cref="Matches"/>), in the order of <see cref="ListAsync"/>.</summary>
    public async Task<ClientPage> PageAsync(string? search, int page, int limit)
    {
        var all = await clients.ListAsync();
        var matching = string.IsNullOrWhiteSpace(search) ? all : [.. all.Where(c => Matches(c, search))];
        return new ClientPage([.. matching.Skip((page - 1) * limit).Take(limit)], matching.Count, page, limit);
    }

    /// <summary>The client id, user or address contains the search text (trimmed, any case).</summary>
    public static bool Matches(BrokerClientInfo client, string search)
    {
        var text = search.Trim();
        return Has(client.ClientId) || Has(client.UserName) || Has(client.Address);

        bool Has(string? field) => field?.Contains(text, StringComparison.OrdinalIgnoreCase) == true;
    }

    public Task<BrokerClientInfo?> FindAsync(string clientId) => clients.FindAsync(clientId);

    /// <summary>False when the client was not connected (nothing is recorded then).</summary>
    public async Task<bool> DisconnectAsync(string clientId, string? by)
    {
        if (!await clients.DisconnectAsync(clientId))
        {
            return false;
        }

        await log.RecordAdminActionAsync(by, $"disconnected the client {clientId}", clientId, clientId);
        return true;
    }

    /// <summary>Disconnects the client and deletes its session and queue; false when it had neither a connection nor a session.</summary>
    public async Task<bool> EndSessionAsync(string clientId, string? by)
    {
        if (!await clients.EndSessionAsync(clientId))
        {
            return false;
        }

        await log.RecordAdminActionAsync(by, $"ended the session of {clientId} (disconnected, subscriptions and queue deleted)", clientId, clientId);
        return true;
    }

    public IReadOnlyList<BrokerBan> Bans() => bans.List();

    /// <summary>Bans (the input must be valid: <see cref="BrokerBans.Normalize"/>) and disconnects the matching clients.</summary>
    public async Task<(BrokerBan Ban, int Disconnected)> BanAsync(BanInput input, string? by)
    {
        var (ban, disconnected) = await bans.AddAsync(input, by);
        var until = ban.ExpiresAt is { } expires ? $"until {expires:yyyy-MM-dd HH:mm} UTC" : "until lifted";
        var detail = $"banned {Describe(ban.Kind)} {ban.Value} {until}" + (disconnected > 0 ? $", disconnecting {disconnected} client{(disconnected == 1 ? "" : "s")}" : "")
            + (ban.Reason is { } reason ? $": {reason}" : "");
        await log.RecordAdminActionAsync(by, detail, ban.Value, ban.Kind == BanKind.ClientId ? ban.Value : null);
        return (ban, disconnected);
    }

    /// <summary>Lifts a ban; null when there is none with that id.</summary>
    public async Task<BrokerBan?> LiftAsync(long id, string? by)
    {
        if (await bans.RemoveAsync(id) is not { } ban)
        {
            return null;
        }

        await log.RecordAdminActionAsync(by, $"lifted the ban of {Describe(ban.Kind)} {ban.Value}", ban.Value, ban.Kind == BanKind.ClientId ? ban.Value : null);
        return ban;
    }

    public static string Describe(BanKind kind) => kind switch
    {
        BanKind.ClientId => "client id",
        BanKind.UserName => "username",
        _ => "address",
    };
}

/// <summary>A page of <c>GET /api/clients</c>: <see cref="Total"/> counts every client that matches the search.</summary>
public sealed record ClientPage(IReadOnlyList<BrokerClientInfo> Items, int Total, int Page, int Limit);
