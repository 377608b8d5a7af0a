using Dashboard.Common;
using Dashboard.Storage;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Boards;

/// <summary>What changed on a board: its tiles or name, its removal, or one of its kiosk links revoked.</summary>
public sealed record BoardChange(long BoardId, bool Deleted = false, long? RevokedLink = null);

/// <summary>
/// Boards and their tiles in the database. A singleton (pages, the API and the kiosk's sign-in share it): each call has
/// its own short-lived DbContext. Every change is published, so an open board, and a kiosk, follow it at once.
/// </summary>
public sealed partial class BoardService(IServiceScopeFactory scopes, TimeProvider clock, ILogger<BoardService> logger)
{
    private readonly SubscriberList<BoardChange> _changes = new(logger, "board changes");

    public IDisposable Subscribe(Action<BoardChange> changed) => _changes.Subscribe(changed);

    public async Task<IReadOnlyList<BoardSummary>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = Db(scope);
        return await db.Set<BoardEntity>().AsNoTracking().OrderBy(b => b.Name).ThenBy(b => b.Id)
            .Select(b => new BoardSummary(b.Id, b.Name, b.Tiles.Count, b.UpdatedAt))
            .ToListAsync(cancellationToken);
    }

    public async Task<Board?> GetAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var entity = await Db(scope).Set<BoardEntity>().AsNoTracking().Include(b => b.Tiles).FirstOrDefaultAsync(b => b.Id == id, cancellationToken);
        return entity is null ? null : ToBoard(entity);
    }

    /// <returns>The new board, or the problems by field.</returns>
    public async Task<(Board? Board, Dictionary<string, string[]> Errors)> CreateAsync(BoardInput input, CancellationToken cancellationToken = default)
    {
        var (name, tiles, errors) = Validate(input);
        if (errors.Count > 0)
        {
            return (null, errors);
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = Db(scope);
        var now = clock.GetUtcNow().UtcDateTime;
        var entity = new BoardEntity { Name = name!, CreatedAt = now, UpdatedAt = now, Tiles = [.. tiles.Select(BoardTileEntity.From)] };
        db.Add(entity);
        await db.SaveChangesAsync(cancellationToken);
        return (ToBoard(entity), errors);
    }

    /// <summary>Replaces the board's name and tiles; null when there is no such board.</summary>
    public async Task<(Board? Board, Dictionary<string, string[]> Errors)> UpdateAsync(long id, BoardInput input, CancellationToken cancellationToken = default)
    {
        var (name, tiles, errors) = Validate(input);
        if (errors.Count > 0)
        {
            return (null, errors);
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = Db(scope);
        var entity = await db.Set<BoardEntity>().Include(b => b.Tiles).FirstOrDefaultAsync(b => b.Id == id, cancellationToken);
        if (entity is null)
        {
            return (null, errors);
        }

        entity.Name = name!;
        entity.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        db.RemoveRange(entity.Tiles);
        entity.Tiles = [.. tiles.Select(BoardTileEntity.From)];
        await db.SaveChangesAsync(cancellationToken);
        _changes.Publish(new BoardChange(id));
        return (ToBoard(entity), errors);
    }

    /// <summary>Renames a board, keeping its tiles.</summary>
    public async Task<(bool Found, string? Error)> RenameAsync(long id, string? newName, CancellationToken cancellationToken = default)
    {
        var (name, error) = BoardValidator.Name(newName);
        if (error is not null)
        {
            return (true, error);
        }

        await using var scope = scopes.CreateAsyncScope();
        var now = clock.GetUtcNow().UtcDateTime;
        var found = await Db(scope).Set<BoardEntity>().Where(b => b.Id == id)
            .ExecuteUpdateAsync(s => s.SetProperty(b => b.Name, name!).SetProperty(b => b.UpdatedAt, now), cancellationToken) > 0;
        if (found)
        {
            _changes.Publish(new BoardChange(id));
        }

        return (found, null);
    }

    /// <summary>Deletes the board, its tiles and its kiosk links (an open kiosk says so at once).</summary>
    public async Task<bool> DeleteAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = Db(scope);
        // Explicitly, not only by the foreign keys' cascade: a database opened without foreign keys keeps no orphans.
        await db.Set<KioskLinkEntity>().Where(k => k.BoardId == id).ExecuteDeleteAsync(cancellationToken);
        await db.Set<BoardTileEntity>().Where(t => t.BoardId == id).ExecuteDeleteAsync(cancellationToken);
        var deleted = await db.Set<BoardEntity>().Where(b => b.Id == id).ExecuteDeleteAsync(cancellationToken) > 0;
        if (deleted)
        {
            _changes.Publish(new BoardChange(id, Deleted: true));
        }

        return deleted;
    }

    private static (string? Name, IReadOnlyList<Tile> Tiles, Dictionary<string, string[]> Errors) Validate(BoardInput input)
    {
        var (name, nameError) = BoardValidator.Name(input.Name);
        var (tiles, errors) = BoardValidator.Tiles(input.Tiles);
        if (nameError is not null)
        {
            errors["name"] = [nameError];
        }

        return (name, tiles, errors);
    }

    private static Board ToBoard(BoardEntity e) =>
        new(e.Id, e.Name, [.. e.Tiles.OrderBy(t => t.Position).Select(t => t.ToTile())], e.UpdatedAt);

    private static DashboardDbContext Db(AsyncServiceScope scope) => scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
}
