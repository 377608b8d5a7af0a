using Dashboard.Broker.Persistence;
using Microsoft.EntityFrameworkCore;
using MQTTnet.Protocol;

namespace Dashboard.Broker.Sessions;

/// <summary>Reads persistent sessions at start-up and writes the ones that changed, in batches.</summary>
internal static class SessionStore
{
    public static async Task<List<SessionRecord>> LoadAsync(DbContext db, DateTime now, CancellationToken cancellationToken)
    {
        var sessions = await db.Set<SessionEntity>().AsNoTracking().Include(s => s.Subscriptions).ToListAsync(cancellationToken);
        var queued = (await db.Set<QueuedMessageEntity>().AsNoTracking().OrderBy(m => m.Id).ToListAsync(cancellationToken))
            .ToLookup(m => m.ClientId, StringComparer.Ordinal);

        var records = new List<SessionRecord>(sessions.Count);
        foreach (var session in sessions)
        {
            var record = new SessionRecord(session.ClientId)
            {
                UserName = session.UserName,
                ExpirySeconds = (uint)Math.Clamp(session.ExpirySeconds, 0, uint.MaxValue),
                DisconnectedAt = session.DisconnectedAt ?? now,
                PersistedRow = new SessionRow(session.UserName, session.ExpirySeconds, session.DisconnectedAt),
            };
            foreach (var s in session.Subscriptions)
            {
                record.Subscriptions[s.TopicFilter] = new StoredSubscription(
                    (MqttQualityOfServiceLevel)s.Qos, s.NoLocal, s.RetainAsPublished, (MqttRetainHandling)s.RetainHandling, s.Identifier);
            }

            foreach (var message in queued[session.ClientId])
            {
                if (!message.IsExpired(now))
                {
                    var restored = message.ToApplicationMessage(message.Retain, now);
                    record.Queue.Enqueue(new QueuedMessage(message.Id, restored, now, restored.QualityOfServiceLevel, message.Retain));
                }

                record.PersistedUpTo = Math.Max(record.PersistedUpTo, message.Id);
            }

            records.Add(record);
        }

        return records;
    }

    /// <summary>
    /// Writes what changed in the given sessions: the session row, its subscriptions when they changed,
    /// messages owed not yet written, and the removal of those no longer owed, inside the caller's transaction;
    /// returns what to call once it commits. Call from one writer at a time.
    /// </summary>
    public static async Task<Action> FlushAsync(DbContext db, IReadOnlyList<SessionRecord> changed, CancellationToken cancellationToken)
    {
        // Only sessions whose row is not known to be written are looked up: at a steady rate a flush writes queued
        // messages of sessions it wrote before, and looking their rows up again cost a query per commit.
        var ids = changed.Where(r => r.PersistedRow is null).Select(r => r.ClientId).ToList();
        var existing = new Dictionary<string, SessionEntity>(StringComparer.Ordinal);
        foreach (var chunk in ids.Chunk(500))
        {
            foreach (var entity in await db.Set<SessionEntity>().Where(s => chunk.Contains(s.ClientId)).ToListAsync(cancellationToken))
            {
                existing[entity.ClientId] = entity;
            }
        }

        var written = new List<(SessionRecord Record, SessionRow? Row, long PersistedUpTo, long RemovedUpTo, int Finished)>();
        foreach (var record in changed)
        {
            SessionRow? persisted;
            lock (record)
            {
                persisted = record.PersistedRow;
            }

            var snapshot = Snapshot(record);
            if (!existing.TryGetValue(record.ClientId, out var row) && persisted is not null)
            {
                row = new SessionEntity { ClientId = record.ClientId, UserName = persisted.UserName, ExpirySeconds = persisted.ExpirySeconds, DisconnectedAt = persisted.DisconnectedAt };
                db.Set<SessionEntity>().Attach(row); // as written last time: only what changed since is updated
            }

            if (snapshot is null)
            {
                if (row is not null)
                {
                    db.Set<SessionEntity>().Remove(row); // cascades to subscriptions and queued messages
                }

                written.Add((record, null, 0, 0, 0));
                continue;
            }

            if (row is null)
            {
                row = new SessionEntity { ClientId = record.ClientId };
                db.Set<SessionEntity>().Add(row);
            }

            row.UserName = snapshot.UserName;
            row.ExpirySeconds = snapshot.ExpirySeconds;
            row.DisconnectedAt = snapshot.DisconnectedAt;
            if (snapshot.RewriteSubscriptions)
            {
                await db.Set<SubscriptionEntity>().Where(s => s.ClientId == record.ClientId).ExecuteDeleteAsync(cancellationToken);
            }
            else
            {
                // Only the filters that changed: a client subscribing 10,000 filters a hundred at a time rewrote all of them each time.
                foreach (var chunk in snapshot.ChangedFilters.Chunk(500))
                {
                    await db.Set<SubscriptionEntity>().Where(s => s.ClientId == record.ClientId && chunk.Contains(s.TopicFilter)).ExecuteDeleteAsync(cancellationToken);
                }
            }

            db.Set<SubscriptionEntity>().AddRange(snapshot.Subscriptions);

            if (snapshot.RemovedUpTo > snapshot.PersistedRemovedUpTo)
            {
                await db.Set<QueuedMessageEntity>().Where(m => m.ClientId == record.ClientId && m.Id <= snapshot.RemovedUpTo).ExecuteDeleteAsync(cancellationToken);
            }

            foreach (var chunk in snapshot.Finished.Chunk(500))
            {
                await db.Set<QueuedMessageEntity>().Where(m => chunk.Contains(m.Id)).ExecuteDeleteAsync(cancellationToken);
            }

            db.Set<QueuedMessageEntity>().AddRange(snapshot.NewMessages);
            written.Add((record, new SessionRow(snapshot.UserName, snapshot.ExpirySeconds, snapshot.DisconnectedAt),
                snapshot.NewMessages.Count > 0 ? snapshot.NewMessages.Max(m => m.Id) : 0, snapshot.RemovedUpTo, snapshot.Finished.Length));
        }

        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();
        return () =>
        {
            foreach (var (record, row, persistedUpTo, removedUpTo, finished) in written)
            {
                lock (record)
                {
                    record.PersistedRow = row;
                    record.PersistedUpTo = Math.Max(record.PersistedUpTo, persistedUpTo);
                    record.PersistedRemovedUpTo = Math.Max(record.PersistedRemovedUpTo, removedUpTo);
                    record.Finished.RemoveRange(0, Math.Min(finished, record.Finished.Count)); // a clear meanwhile emptied it
                }
            }
        };
    }

    private sealed record SessionSnapshot(
        string? UserName, long ExpirySeconds, DateTime? DisconnectedAt, bool RewriteSubscriptions, string[] ChangedFilters, List<SubscriptionEntity> Subscriptions,
        List<QueuedMessageEntity> NewMessages, long[] Finished, long RemovedUpTo, long PersistedRemovedUpTo);

    private static SessionSnapshot? Snapshot(SessionRecord record)
    {
        lock (record)
        {
            if (record.Deleted)
            {
                return null;
            }

            // What to write: every subscription when rewriting them all, else those among the changed filters still held.
            var rewrite = record.RewriteSubscriptions;
            string[] changedFilters = [.. record.ChangedFilters];
            var subscriptions = new List<SubscriptionEntity>();
            foreach (var filter in rewrite ? (IEnumerable<string>)record.Subscriptions.Keys : changedFilters)
            {
                if (record.Subscriptions.TryGetValue(filter, out var s))
                {
                    subscriptions.Add(new SubscriptionEntity
                    {
                        ClientId = record.ClientId,
                        TopicFilter = filter,
                        Qos = (byte)s.Qos,
                        NoLocal = s.NoLocal,
                        RetainAsPublished = s.RetainAsPublished,
                        RetainHandling = (byte)s.RetainHandling,
                        Identifier = s.Identifier,
                    });
                }
            }

            record.RewriteSubscriptions = false;
            record.ChangedFilters.Clear();

            var newMessages = new List<QueuedMessageEntity>();
            foreach (var queued in record.Queue.Concat(record.InFlight))
            {
                if (queued.Sequence > record.PersistedUpTo)
                {
                    var entity = new QueuedMessageEntity { Id = queued.Sequence, ClientId = record.ClientId, Retain = queued.Retain };
                    entity.CopyFrom(queued.Message, queued.QueuedAt);
                    entity.Qos = (byte)queued.Qos;
                    newMessages.Add(entity);
                }
            }

            return new SessionSnapshot(record.UserName, record.ExpirySeconds, record.DisconnectedAt, rewrite, changedFilters, subscriptions, newMessages,
                [.. record.Finished], record.RemovedUpTo, record.PersistedRemovedUpTo);
        }
    }
}
