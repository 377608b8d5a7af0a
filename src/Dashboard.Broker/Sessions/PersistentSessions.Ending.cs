using MQTTnet.Server;

namespace Dashboard.Broker.Sessions;

/// <summary>How sessions end: expiry, a revoked user, an admin, a clean start.</summary>
internal sealed partial class PersistentSessions
{
    private bool IsExpired(SessionRecord record)
    {
        lock (record)
        {
            return record.IsExpired(clock.GetUtcNow().UtcDateTime);
        }
    }

    /// <summary>Ends offline sessions whose expiry interval has passed, in MQTTnet too.</summary>
    public async Task<int> RemoveExpiredAsync(DateTime now)
    {
        var removed = 0;
        foreach (var record in _offline.Values)
        {
            bool expired;
            lock (record)
            {
                expired = record.IsExpired(now);
            }

            if (expired && _sessions.TryRemove(new KeyValuePair<string, SessionRecord>(record.ClientId, record)))
            {
                End(record);
                MarkChanged(record);
                await broker.DeleteSessionAsync(record.ClientId);
                removed++;
            }
        }

        Interlocked.Add(ref _expired, removed);
        return removed;
    }

    /// <summary>
    /// Ends every session that belongs to <paramref name="userName"/> (the user was deleted), in MQTTnet too:
    /// nothing is queued for them any more and a client that comes back starts afresh.
    /// </summary>
    public async Task<int> EndSessionsOfAsync(string userName)
    {
        var ended = 0;
        foreach (var record in _sessions.Values)
        {
            bool owned;
            lock (record)
            {
                owned = record.UserName == userName;
            }

            if (owned && _sessions.TryRemove(new KeyValuePair<string, SessionRecord>(record.ClientId, record)))
            {
                End(record);
                await broker.DeleteSessionAsync(record.ClientId);
                ended++;
            }
        }

        return ended;
    }

    /// <summary>
    /// Ends one session (an admin asked): its subscriptions and queue are gone, in MQTTnet too, and a client that comes
    /// back starts afresh. Disconnect its client first. False when there was no such persistent session.
    /// </summary>
    public async Task<bool> EndSessionAsync(string clientId)
    {
        if (!_sessions.TryRemove(clientId, out var record))
        {
            return false;
        }

        End(record);
        await broker.DeleteSessionAsync(clientId);
        return true;
    }

    private void End(SessionRecord record)
    {
        lock (record)
        {
            record.Deleted = true;
            record.Connection = null;
            record.ClearQueue(Interlocked.Read(ref _sequence));
        }

        _offline.TryRemove(new KeyValuePair<string, SessionRecord>(record.ClientId, record));
        MarkChanged(record);
        SessionEnded?.Invoke(record.ClientId);
    }
}
