using System.Net;
using Dashboard.Broker.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Broker.Admin;

/// <summary>What to ban: <see cref="Duration"/> null bans until the ban is lifted.</summary>
public sealed record BanInput(BanKind Kind, string? Value, TimeSpan? Duration, string? Reason);

/// <summary>
/// Bans of client ids, usernames and addresses: stored in the database (they survive a restart) and served from an
/// in-memory snapshot that every change replaces, so CONNECT never waits on the database. A ban ends the connections it
/// matches at once (MQTT 5: DISCONNECT 0x98 "administrative action"); an expired ban simply stops matching.
/// </summary>
public sealed class BrokerBans(IServiceScopeFactory scopes, BrokerClients clients, TimeProvider clock)
{
    /// <summary>The longest ban with an end; longer ones are until lifted.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(3650);

    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private volatile BrokerBan[] _bans = [];

    /// <summary>The bans in force, newest first.</summary>
    public IReadOnlyList<BrokerBan> List()
    {
        var now = clock.GetUtcNow();
        return [.. _bans.Where(b => b.IsActive(now)).OrderByDescending(b => b.CreatedAt).ThenByDescending(b => b.Id)];
    }

    /// <summary>The value as a ban stores it, or why it cannot be banned.</summary>
    public static (string? Value, string? Error) Normalize(BanKind kind, string? value)
    {
        value = value?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            return (null, "Give the client id, username or address to ban.");
        }

        if (value.Length > 256)
        {
            return (null, "At most 256 characters.");
        }

        if (kind != BanKind.Address)
        {
            return (value, null);
        }

        return BrokerBan.TryParseNetwork(value, out var network)
            ? (network.PrefixLength == network.BaseAddress.GetAddressBytes().Length * 8 ? network.BaseAddress.ToString() : network.ToString(), null)
            : (null, $"'{value}' is not an IP address or a network such as 192.168.1.0/24.");
    }

    /// <summary>Stores a ban (the value must come through <see cref="Normalize"/>) and disconnects the clients it matches; returns it and how many were disconnected.</summary>
    public async Task<(BrokerBan Ban, int Disconnected)> AddAsync(BanInput input, string? by)
    {
        var (value, error) = Normalize(input.Kind, input.Value);
        if (error is not null)
        {
            throw new ArgumentException(error, nameof(input));
        }

        var now = clock.GetUtcNow();
        var entity = new BanEntity
        {
            Kind = input.Kind,
            Value = value!,
            Reason = string.IsNullOrWhiteSpace(input.Reason) ? null : input.Reason.Trim(),
            CreatedBy = by,
            CreatedAt = now.UtcDateTime,
            ExpiresAt = input.Duration is { } duration && duration <= MaxDuration ? (now + duration).UtcDateTime : null,
        };

        await _writeLock.WaitAsync();
        try
        {
            using var scope = scopes.CreateScope();
            var db = BrokerDatabase.Get(scope.ServiceProvider);
            await db.Set<BanEntity>().Where(b => b.ExpiresAt != null && b.ExpiresAt <= now.UtcDateTime).ExecuteDeleteAsync();
            db.Add(entity);
            await db.SaveChangesAsync();
            await LoadAsync(db, CancellationToken.None);
        }
        finally
        {
            _writeLock.Release();
        }

        var ban = BrokerBan.From(entity);
        var disconnected = await clients.DisconnectWhereAsync(c => ban.Matches(c.ClientId, c.UserName, IpOf(c.RemoteEndPoint)));
        return (ban, disconnected);
    }

    /// <summary>Lifts a ban; the ban as it was, or null when there is none with that id (or it had expired).</summary>
    public async Task<BrokerBan?> RemoveAsync(long id)
    {
        var ban = List().FirstOrDefault(b => b.Id == id);
        await _writeLock.WaitAsync();
        try
        {
            using var scope = scopes.CreateScope();
            var db = BrokerDatabase.Get(scope.ServiceProvider);
            await db.Set<BanEntity>().Where(b => b.Id == id).ExecuteDeleteAsync();
            await LoadAsync(db, CancellationToken.None);
        }
        finally
        {
            _writeLock.Release();
        }

        return ban;
    }

    /// <summary>The ban a CONNECT from this client id, username and address meets, if any.</summary>
    internal BrokerBan? Match(string? clientId, string? userName, IPAddress? address)
    {
        var bans = _bans;
        if (bans.Length == 0)
        {
            return null;
        }

        var now = clock.GetUtcNow();
        foreach (var ban in bans)
        {
            if (ban.IsActive(now) && ban.Matches(clientId, userName, address))
            {
                return ban;
            }
        }

        return null;
    }

    internal async Task LoadAsync(DbContext db, CancellationToken cancellationToken)
    {
        var stored = await db.Set<BanEntity>().AsNoTracking().ToListAsync(cancellationToken);
        _bans = [.. stored.Select(BrokerBan.From)];
    }

    internal static IPAddress? IpOf(EndPoint? endPoint) =>
        (endPoint as IPEndPoint)?.Address is { } ip ? Transport.PendingConnections.Normalize(ip) : null;
}
