using System.Collections.Concurrent;
using Dashboard.Broker.Persistence;
using Microsoft.EntityFrameworkCore;
using MQTTnet;

namespace Dashboard.Broker.Retained;

/// <summary>
/// Keeps retained messages across restarts, like Mosquitto's <c>persistence true</c>. The broker's publish
/// path only notes the latest change per topic; <see cref="FlushAsync"/> writes the noted topics in one
/// batch. (MQTTnet's own change event hands over a copy of every retained message on each change.)
/// </summary>
internal sealed class RetainedStore(TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, MqttApplicationMessage?> _changed = new(StringComparer.Ordinal);

    // When each topic's retained message was published, for the admin's list (MQTTnet keeps only the message).
    private readonly ConcurrentDictionary<string, DateTime> _since = new(StringComparer.Ordinal);

    /// <summary>Notes a retained publish: an empty payload clears the topic. $SYS topics are the broker's own and not kept (false).</summary>
    public bool Track(MqttApplicationMessage message)
    {
        if (message.Topic.StartsWith("$SYS/", StringComparison.Ordinal))
        {
            return false;
        }

        _changed[message.Topic] = message.Payload.IsEmpty ? null : message;
        if (message.Payload.IsEmpty)
        {
            _since.TryRemove(message.Topic, out _);
        }
        else
        {
            _since[message.Topic] = clock.GetUtcNow().UtcDateTime;
        }

        return true;
    }

    /// <summary>When the topic's retained message was published (or, for one restored at start, stored); null when unknown.</summary>
    public DateTime? Since(string topic) => _since.TryGetValue(topic, out var since) ? since : null;

    public int PendingCount => _changed.Count;

    public async Task<List<MqttApplicationMessage>> LoadAsync(DbContext db, DateTime now, CancellationToken cancellationToken)
    {
        var stored = (await db.Set<RetainedMessageEntity>().AsNoTracking().ToListAsync(cancellationToken)).Where(m => !m.IsExpired(now)).ToList();
        foreach (var message in stored)
        {
            _since[message.Topic] = message.StoredAt;
        }

        return [.. stored.Select(m => m.ToApplicationMessage(retain: true, now))];
    }

    /// <summary>
    /// Writes the topics changed since the last flush, inside the caller's transaction; returns what to call
    /// once it commits. Call from one writer at a time.
    /// </summary>
    public async Task<Action> FlushAsync(DbContext db, DateTime now, CancellationToken cancellationToken)
    {
        if (_changed.IsEmpty)
        {
            return () => { };
        }

        var changed = _changed.ToArray();
        foreach (var chunk in changed.Select(c => c.Key).Chunk(500))
        {
            await db.Set<RetainedMessageEntity>().Where(m => chunk.Contains(m.Topic)).ExecuteDeleteAsync(cancellationToken);
        }

        foreach (var (_, message) in changed)
        {
            if (message is not null)
            {
                var entity = new RetainedMessageEntity { StoredAt = now };
                entity.CopyFrom(message, now);
                db.Set<RetainedMessageEntity>().Add(entity);
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();

        return () =>
        {
            // A topic changed again meanwhile keeps its newer entry for the next flush.
            foreach (var entry in changed)
            {
                _changed.TryRemove(entry);
            }
        };
    }
}
