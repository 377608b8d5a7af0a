using Dashboard.Broker.Admin;
using Dashboard.Storage;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.EventLog;

/// <summary>
/// The event log's reads, and the admin actions it records. An admin action is written at once (it comes from a
/// request, not from the broker's packet path), so the API that did it answers only once it is in the log.
/// </summary>
public sealed class EventLogService(IServiceScopeFactory scopes, BrokerAuditFeed feed, TimeProvider clock, ILogger<EventLogService> logger)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;
    public const int MaxPage = 1_000_000;

    private readonly SubscriberList<EventLogChanged> _changed = new(logger, "event log changes");

    /// <summary>Calls <paramref name="onChanged"/> after events were written, until disposed.</summary>
    public IDisposable SubscribeChanged(Action<EventLogChanged> onChanged) => _changed.Subscribe(onChanged);

    internal void Written() => _changed.Publish(new EventLogChanged());

    /// <summary>
    /// Records what <paramref name="actor"/> did: <paramref name="detail"/> says it in full ("disconnected the client x"),
    /// <paramref name="target"/> names what it was done to; <paramref name="clientId"/> when it concerns one client.
    /// </summary>
    public async Task RecordAdminActionAsync(string? actor, string detail, string target, string? clientId = null)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
        db.Add(new EventEntity
        {
            Time = clock.GetUtcNow().UtcDateTime,
            Kind = EventKinds.AdminAction,
            Actor = actor ?? "unknown",
            Detail = detail,
            Target = target,
            ClientId = clientId,
        });
        await db.SaveChangesAsync();
        Written();
    }

    /// <summary>
    /// A page of events, newest first: <paramref name="kind"/> one of <see cref="EventKinds.All"/> (null: all),
    /// <paramref name="client"/> an exact client id, <paramref name="search"/> text anywhere in the event.
    /// </summary>
    public async Task<EventPage> PageAsync(string? kind, string? client, string? search, int page = 1, int limit = DefaultLimit, CancellationToken cancellationToken = default)
    {
        limit = Math.Clamp(limit, 1, MaxLimit);
        page = Math.Clamp(page, 1, MaxPage);
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
        var query = db.Set<EventEntity>().AsNoTracking();
        if (!string.IsNullOrEmpty(kind))
        {
            query = query.Where(e => e.Kind == kind);
        }

        if (!string.IsNullOrEmpty(client))
        {
            query = query.Where(e => e.ClientId == client);
        }

        if (!string.IsNullOrWhiteSpace(search))
        {
            var pattern = "%" + search.Trim().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
            query = query.Where(e => EF.Functions.Like(e.Detail, pattern, "\\")
                || (e.ClientId != null && EF.Functions.Like(e.ClientId, pattern, "\\"))
                || (e.UserName != null && EF.Functions.Like(e.UserName, pattern, "\\"))
                || (e.Address != null && EF.Functions.Like(e.Address, pattern, "\\"))
                || (e.Topic != null && EF.Functions.Like(e.Topic, pattern, "\\"))
                || (e.Actor != null && EF.Functions.Like(e.Actor, pattern, "\\"))
                || (e.Target != null && EF.Functions.Like(e.Target, pattern, "\\")));
        }

        var total = await query.CountAsync(cancellationToken);
        var items = await query.OrderByDescending(e => e.Time).ThenByDescending(e => e.Id)
            .Skip((int)Math.Min((page - 1L) * limit, int.MaxValue)).Take(limit).ToListAsync(cancellationToken);
        return new EventPage([.. items.Select(EventDto.From)], total, page, limit, feed.Dropped);
    }
}

/// <summary>Events were written to the log.</summary>
public sealed record EventLogChanged;
