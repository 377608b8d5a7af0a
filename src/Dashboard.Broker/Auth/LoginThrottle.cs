using System.Net;
using Microsoft.Extensions.Options;

namespace Dashboard.Broker.Auth;

/// <summary>
/// Back-off for password guessing, in the manner of fail2ban and mosquitto-go-auth: failed logins are counted per
/// remote address and per username within <see cref="BrokerOptions.LoginFailureWindow"/>; past the limit the address
/// (or username) backs off and its CONNECTs are refused at once, without hashing, for a back-off that doubles each
/// time up to <see cref="BrokerOptions.LoginMaxBackoff"/>. It also bounds the password checks waiting to run, in all
/// and per address, so a flood of wrong passwords never makes a real login wait behind it.
/// </summary>
internal sealed class LoginThrottle(IOptions<BrokerOptions> options, TimeProvider time)
{
    // Entries kept at most (addresses and usernames together); beyond it, expired ones are swept and new ones are not
    // tracked until there is room (the bounded check queue still protects the broker then).
    internal const int MaxTracked = 100_000;
    private const int KnownAddressesPerUser = 32;
    private static readonly TimeSpan LogEvery = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();
    private readonly Dictionary<IPAddress, Tracker> _addresses = [];
    private readonly Dictionary<string, Tracker> _users = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<IPAddress>> _knownAddresses = new(StringComparer.Ordinal);
    private readonly Dictionary<IPAddress, int> _checksPerAddress = [];
    private int _checks;

    /// <summary>When the address or (for an address not known to the user) the username is backing off, until when.</summary>
    public DateTimeOffset? BackingOffUntil(IPAddress? address, string? userName)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            DateTimeOffset? until = null;
            if (address is not null && _addresses.TryGetValue(address, out var a) && a.BlockedUntil > now)
            {
                until = a.BlockedUntil;
            }

            if (userName is not null && _users.TryGetValue(userName, out var u) && u.BlockedUntil > now && !IsKnown(userName, address)
                && (until is null || u.BlockedUntil > until))
            {
                until = u.BlockedUntil;
            }

            return until;
        }
    }

    /// <summary>Records a failed login; a userName is given only for a user the broker knows.</summary>
    public void Failed(IPAddress? address, string? userName)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (address is not null && settings.MaxLoginFailuresPerAddress > 0 && Get(_addresses, address, now) is { } a)
            {
                a.Fail(now, settings.MaxLoginFailuresPerAddress, settings);
            }

            if (userName is not null && settings.MaxLoginFailuresPerUser > 0 && Get(_users, userName, now) is { } u)
            {
                u.Fail(now, settings.MaxLoginFailuresPerUser, settings);
            }
        }
    }

    /// <summary>A correct password: the address's failures are forgotten, and it is known to the user from now on.</summary>
    public void Succeeded(IPAddress? address, string userName)
    {
        if (address is null)
        {
            return;
        }

        lock (_lock)
        {
            if (_addresses.TryGetValue(address, out var a) && a.BlockedUntil <= time.GetUtcNow())
            {
                _addresses.Remove(address);
            }

            if (!_knownAddresses.TryGetValue(userName, out var known))
            {
                if (_knownAddresses.Count >= MaxTracked)
                {
                    return;
                }

                _knownAddresses[userName] = known = [];
            }

            if (!known.Contains(address))
            {
                if (known.Count >= KnownAddressesPerUser)
                {
                    known.RemoveAt(0);
                }

                known.Add(address);
            }
        }
    }

    /// <summary>Takes a place in the password-check queue; false when it (or this address's share) is full.</summary>
    public bool TryEnterCheck(IPAddress? address)
    {
        var settings = options.Value;
        lock (_lock)
        {
            if (_checks >= settings.MaxPendingPasswordChecks)
            {
                return false;
            }

            var forAddress = address is null ? 0 : _checksPerAddress.GetValueOrDefault(address);
            if (address is not null && forAddress >= settings.MaxPendingPasswordChecksPerAddress)
            {
                return false;
            }

            _checks++;
            if (address is not null)
            {
                _checksPerAddress[address] = forAddress + 1;
            }

            return true;
        }
    }

    public void ExitCheck(IPAddress? address)
    {
        lock (_lock)
        {
            _checks--;
            if (address is not null && _checksPerAddress.TryGetValue(address, out var count))
            {
                if (count <= 1)
                {
                    _checksPerAddress.Remove(address);
                }
                else
                {
                    _checksPerAddress[address] = count - 1;
                }
            }
        }
    }

    /// <summary>At most one failed-login line per address every 10 s (one for all connections without an address).</summary>
    public bool ShouldLog(IPAddress? address)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            var key = address ?? IPAddress.None;
            if (Get(_addresses, key, now) is not { } tracker || tracker.NextLog > now)
            {
                return false;
            }

            tracker.NextLog = now + LogEvery;
            return true;
        }
    }

    private bool IsKnown(string userName, IPAddress? address) =>
        address is not null && _knownAddresses.TryGetValue(userName, out var known) && known.Contains(address);

    private Tracker? Get<TKey>(Dictionary<TKey, Tracker> trackers, TKey key, DateTimeOffset now)
        where TKey : notnull
    {
        if (trackers.TryGetValue(key, out var tracker))
        {
            return tracker;
        }

        if (trackers.Count >= MaxTracked)
        {
            var window = options.Value.LoginFailureWindow;
            foreach (var (k, t) in trackers)
            {
                if (t.IsIdle(now, window))
                {
                    trackers.Remove(k);
                }
            }

            if (trackers.Count >= MaxTracked)
            {
                return null;
            }
        }

        return trackers[key] = new Tracker();
    }

    private sealed class Tracker
    {
        public DateTimeOffset WindowStart { get; private set; }
        public int Failures { get; private set; }
        public DateTimeOffset BlockedUntil { get; private set; }
        public int BackoffCount { get; private set; }
        public DateTimeOffset NextLog { get; set; }

        public void Fail(DateTimeOffset now, int max, BrokerOptions settings)
        {
            if (BlockedUntil > now)
            {
                return; // refused without a check while backing off: no further escalation until it ends
            }

            if (now - WindowStart > settings.LoginFailureWindow)
            {
                WindowStart = now;
                Failures = 0;
            }

            if (++Failures < max)
            {
                return;
            }

            // Doubles for each back-off that starts within the maximum back-off of the end of the last one.
            if (now - BlockedUntil > settings.LoginMaxBackoff)
            {
                BackoffCount = 0;
            }

            var backoff = settings.LoginBackoff * Math.Pow(2, Math.Min(BackoffCount, 30));
            BlockedUntil = now + (backoff < settings.LoginMaxBackoff ? backoff : settings.LoginMaxBackoff);
            BackoffCount++;
            Failures = 0;
            WindowStart = now;
        }

        public bool IsIdle(DateTimeOffset now, TimeSpan window) =>
            BlockedUntil <= now && now - WindowStart > window && NextLog <= now;
    }
}
