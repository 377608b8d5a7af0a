using System.Security.Cryptography;
using System.Text;
using Dashboard.Storage;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Accounts;

/// <summary>A key as listed: never the secret.</summary>
public sealed record ApiKey(long Id, string Name, string Role, string Prefix, string CreatedBy, DateTime CreatedAt, DateTime? LastUsedAt)
{
    internal static ApiKey From(ApiKeyEntity e) => new(e.Id, e.Name, e.Role, e.Prefix, e.CreatedBy, e.CreatedAt, e.LastUsedAt);
}

/// <summary>The key just created, with its secret: shown once, then only its hash exists.</summary>
public sealed record CreatedApiKey(ApiKey Key, string Secret);

/// <summary>API keys for scripts: created by an admin, sent as <c>X-Api-Key</c>, revoked by deleting them.</summary>
public sealed class ApiKeys(DashboardDbContext db, TimeProvider clock, ILogger<ApiKeys> logger)
{
    // One warning a minute at most: every request with a key would otherwise log one while the database cannot be written.
    private static readonly Common.LogLimiter LastUsedLog = new(TimeSpan.FromMinutes(1));

    public const string Header = "X-Api-Key";

    /// <summary>
    /// The key a request carries: <c>X-Api-Key</c>, or <c>Authorization: Bearer</c> (what Prometheus and most scrapers
    /// send); null when neither.
    /// </summary>
    public static string? FromRequest(HttpRequest request)
    {
        if (request.Headers.TryGetValue(Header, out var values) && values.ToString() is { Length: > 0 } key)
        {
            return key;
        }

        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && authorization[7..].Trim() is { Length: > 0 } bearer
            ? bearer
            : null;
    }
    private const string SecretPrefix = "dash_";
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    public async Task<IReadOnlyList<ApiKey>> ListAsync(CancellationToken cancellationToken = default) =>
        (await db.Set<ApiKeyEntity>().AsNoTracking().OrderBy(k => k.Name).ThenBy(k => k.Id).ToListAsync(cancellationToken)).ConvertAll(ApiKey.From);

    /// <returns>The key, or the problems with <paramref name="name"/> / <paramref name="role"/>.</returns>
    public async Task<(CreatedApiKey? Created, string? Error)> CreateAsync(string? name, string? role, string createdBy, CancellationToken cancellationToken = default)
    {
        name = name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 100)
        {
            return (null, "Give the key a name of 1 to 100 characters (what uses it, e.g. \"backup script\").");
        }

        if (!DashboardRoles.IsKnown(role))
        {
            return (null, $"The role is {DashboardRoles.Admin} or {DashboardRoles.Viewer}.");
        }

        var secret = SecretPrefix + WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var entity = new ApiKeyEntity
        {
            Name = name,
            Role = role!,
            Prefix = secret[..(SecretPrefix.Length + 6)],
            Hash = HashOf(secret),
            CreatedBy = createdBy,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.Set<ApiKeyEntity>().Add(entity);
        await db.SaveChangesAsync(cancellationToken);
        return (new CreatedApiKey(ApiKey.From(entity), secret), null);
    }

    public async Task<bool> RevokeAsync(long id, CancellationToken cancellationToken = default) =>
        await db.Set<ApiKeyEntity>().Where(k => k.Id == id).ExecuteDeleteAsync(cancellationToken) > 0;

    /// <summary>The key whose secret this is, or null; notes when it was last used (to the minute, so a busy script costs no write per call).</summary>
    public async Task<ApiKey?> FindAsync(string secret, CancellationToken cancellationToken = default)
    {
        if (!secret.StartsWith(SecretPrefix, StringComparison.Ordinal) || secret.Length > 100)
        {
            return null;
        }

        var hash = HashOf(secret);
        var entity = await db.Set<ApiKeyEntity>().AsNoTracking().FirstOrDefaultAsync(k => k.Hash == hash, cancellationToken);
        if (entity is null)
        {
            return null;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (entity.LastUsedAt is not { } last || now - last >= LastUsedResolution)
        {
            try
            {
                await db.Set<ApiKeyEntity>().Where(k => k.Id == entity.Id).ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now), cancellationToken);
                entity.LastUsedAt = now;
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException)
            {
                // The key was found: a database that can be read but not written (full, read-only) must not turn every
                // scripted read and every /metrics scrape into a 500. Only "last used" is missed.
                if (LastUsedLog.ShouldLog())
                {
                    logger.LogWarning("Could not record when API key '{Name}' was last used: {Error}", entity.Name, ex.Message);
                }
            }
        }

        return ApiKey.From(entity);
    }

    private static string HashOf(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
