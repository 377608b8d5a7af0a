using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;

namespace Dashboard.Accounts;

/// <summary>
/// Wrong passwords per address, so that one address is stopped before it can lock an account: within any
/// <c>Dashboard:LockoutDuration</c> an address may fail <c>Dashboard:MaxFailedSignIns</c> − 1 times (at least once), then
/// its sign-ins are refused without checking a password until the oldest failure is that old. An account's own count of
/// failures (Identity's lockout) is forgotten once its first failure is older than the lockout duration
/// (<see cref="ShouldForgetAccountFailures"/>), so failures spread out over time from one address never add up to a lockout.
/// In memory: a restart forgets both.
/// </summary>
public sealed class SignInThrottle(IOptions<DashboardOptions> options, TimeProvider time)
{
    // Bounded: when this many addresses are tracked, those with no recent failure are dropped first.
    private const int MaxTrackedAddresses = 10_000;

    private readonly ConcurrentDictionary<IPAddress, Queue<DateTimeOffset>> _failuresByAddress = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _firstFailureByAccount = new(StringComparer.Ordinal);

    public int FailuresPerAddress => Math.Max(1, options.Value.MaxFailedSignIns - 1);

    private TimeSpan Window => options.Value.LockoutDuration;

    /// <summary>How long <paramref name="address"/> must wait before its next attempt, or null when it may try now.</summary>
    public TimeSpan? RetryAfter(IPAddress? address)
    {
        if (address is null || !_failuresByAddress.TryGetValue(address, out var failures))
        {
            return null;
        }

        var now = time.GetUtcNow();
        lock (failures)
        {
            Expire(failures, now);
            return failures.Count >= FailuresPerAddress ? failures.Peek() + Window - now : null;
        }
    }

    /// <summary>A wrong username or password from <paramref name="address"/> (for <paramref name="accountId"/> when it exists).</summary>
    public void Failed(IPAddress? address, string? accountId)
    {
        var now = time.GetUtcNow();
        if (accountId is not null)
        {
            _firstFailureByAccount.AddOrUpdate(accountId, now, (_, first) => now - first >= Window ? now : first);
        }

        if (address is null)
        {
            return;
        }

        if (_failuresByAddress.Count >= MaxTrackedAddresses)
        {
            Prune(now);
        }

        var failures = _failuresByAddress.GetOrAdd(address, _ => new Queue<DateTimeOffset>());
        lock (failures)
        {
            Expire(failures, now);
            failures.Enqueue(now);
        }
    }

    /// <summary>
    /// True when the account's failed sign-ins should be reset before this attempt: its first failure is older than the
    /// lockout duration (or unknown, after a restart). Starts a new streak.
    /// </summary>
    public bool ShouldForgetAccountFailures(string accountId)
    {
        var now = time.GetUtcNow();
        if (_firstFailureByAccount.TryGetValue(accountId, out var first) && now - first < Window)
        {
            return false;
        }

        _firstFailureByAccount.TryRemove(accountId, out _);
        return true;
    }

    /// <summary>A successful sign-in: the account starts again from no failures (the address's count stays).</summary>
    public void Succeeded(string accountId) => _firstFailureByAccount.TryRemove(accountId, out _);

    private void Expire(Queue<DateTimeOffset> failures, DateTimeOffset now)
    {
        while (failures.Count > 0 && now - failures.Peek() >= Window)
        {
            failures.Dequeue();
        }
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (address, failures) in _failuresByAddress)
        {
            lock (failures)
            {
                Expire(failures, now);
                if (failures.Count == 0)
                {
                    _failuresByAddress.TryRemove(address, out _);
                }
            }
        }

        // Still full of recent failures (many addresses at once): forget the lot rather than grow without bound.
        if (_failuresByAddress.Count >= MaxTrackedAddresses)
        {
            _failuresByAddress.Clear();
        }
    }
}
