using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Boards;

/// <summary>A kiosk link as listed: never its token.</summary>
public sealed record KioskLink(long Id, long BoardId, string Name, string Prefix, string CreatedBy, DateTime CreatedAt, DateTime? LastUsedAt)
{
    internal static KioskLink From(KioskLinkEntity e) => new(e.Id, e.BoardId, e.Name, e.Prefix, e.CreatedBy, e.CreatedAt, e.LastUsedAt);
}

/// <summary>The link just created, with its token: shown once, then only its hash exists.</summary>
public sealed record CreatedKioskLink(KioskLink Link, string Token)
{
    public string Path => KioskPaths.Page(Token);
}

public static class KioskPaths
{
    public const string Prefix = "/kiosk/";

    public static string Page(string token) => Prefix + token;
}

// Kiosk links: a random token per link, only its hash stored, revoked by deleting it.
public sealed partial class BoardService
{
    private const string TokenPrefix = "kiosk_";
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    public async Task<IReadOnlyList<KioskLink>> KioskLinksAsync(long boardId, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        return (await Db(scope).Set<KioskLinkEntity>().AsNoTracking().Where(k => k.BoardId == boardId).OrderBy(k => k.Id).ToListAsync(cancellationToken))
            .ConvertAll(KioskLink.From);
    }

    /// <returns>The link with its token, null when there is no such board, or the problem with <paramref name="name"/>.</returns>
    public async Task<(CreatedKioskLink? Created, string? Error)> CreateKioskLinkAsync(long boardId, string? name, string createdBy,
        CancellationToken cancellationToken = default)
    {
        name = string.IsNullOrWhiteSpace(name) ? "kiosk" : name.Trim();
        if (name.Length > BoardGrid.MaxNameLength)
        {
            return (null, $"A kiosk link's name has at most {BoardGrid.MaxNameLength} characters.");
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = Db(scope);
        if (!await db.Set<BoardEntity>().AnyAsync(b => b.Id == boardId, cancellationToken))
        {
            return (null, null);
        }

        var token = TokenPrefix + WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var entity = new KioskLinkEntity
        {
            BoardId = boardId,
            Name = name,
            Hash = HashOf(token),
            Prefix = token[..(TokenPrefix.Length + 6)],
            CreatedBy = createdBy,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.Add(entity);
        await db.SaveChangesAsync(cancellationToken);
        return (new CreatedKioskLink(KioskLink.From(entity), token), null);
    }

    /// <summary>Revokes a link: an open kiosk shows it at once, a new load is refused.</summary>
    public async Task<bool> RevokeKioskLinkAsync(long boardId, long linkId, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var revoked = await Db(scope).Set<KioskLinkEntity>().Where(k => k.Id == linkId && k.BoardId == boardId).ExecuteDeleteAsync(cancellationToken) > 0;
        if (revoked)
        {
            _changes.Publish(new BoardChange(boardId, RevokedLink: linkId));
        }

        return revoked;
    }

    /// <summary>The link whose token this is, or null; notes when it was last used (to the minute).</summary>
    public async Task<KioskLink?> FindKioskLinkAsync(string? token, CancellationToken cancellationToken = default)
    {
        if (token is null || !token.StartsWith(TokenPrefix, StringComparison.Ordinal) || token.Length > 100)
        {
            return null;
        }

        var hash = HashOf(token);
        await using var scope = scopes.CreateAsyncScope();
        var db = Db(scope);
        var entity = await db.Set<KioskLinkEntity>().AsNoTracking().FirstOrDefaultAsync(k => k.Hash == hash, cancellationToken);
        if (entity is null)
        {
            return null;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (entity.LastUsedAt is not { } last || now - last >= LastUsedResolution)
        {
            await db.Set<KioskLinkEntity>().Where(k => k.Id == entity.Id).ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now), cancellationToken);
            entity.LastUsedAt = now;
        }

        return KioskLink.From(entity);
    }

    /// <summary>Whether the link still exists (not revoked, its board not deleted).</summary>
    public async Task<bool> KioskLinkActiveAsync(long linkId, long boardId, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await Db(scope).Set<KioskLinkEntity>().AnyAsync(k => k.Id == linkId && k.BoardId == boardId, cancellationToken);
    }

    private static string HashOf(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
