using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Dashboard.Broker.Metrics;
using Microsoft.AspNetCore.Identity;

namespace Dashboard.Broker.Auth;

/// <summary>
/// Checks CONNECT's credentials against <see cref="BrokerUserStore"/>'s snapshot, so CONNECT never waits on the database.
/// Passwords are hashed with Identity's <see cref="PasswordHasher{TUser}"/> (salted PBKDF2, slow by design: only CONNECT
/// verifies one).
/// </summary>
internal sealed class CredentialCheck(
    BrokerUserStore users,
    LoginThrottle throttle,
    BrokerMetrics metrics,
    TimeProvider time,
    ILogger<CredentialCheck> logger)
{
    private const int MaxLoggedUserNameLength = 64;
    private readonly LogLimiter _busyLog = new(TimeSpan.FromSeconds(10));

    // A PBKDF2 verification costs ~50 ms of CPU (bench/run.sh security), so a client that reconnects, or many clients
    // sharing a user, would keep the broker busy. A successful one is remembered for a while as an HMAC of the password
    // under a key that never leaves this process. It is kept against the user's entry in the store's snapshot, which any
    // change to the users replaces, so a changed password or a deleted user is never let in from it. Failures are never
    // remembered.
    private static readonly TimeSpan VerifiedFor = TimeSpan.FromMinutes(5);
    private readonly byte[] _verifiedKey = RandomNumberGenerator.GetBytes(32);
    private readonly ConditionalWeakTable<StoredUser, VerifiedPassword> _verified = new();
    private readonly SemaphoreSlim _hashGate = new(Math.Max(1, Environment.ProcessorCount / 2));
    private readonly Lazy<StoredUser> _nobody = new(Nobody);

    /// <summary>
    /// Checks CONNECT's credentials. An unknown user connects anonymously while anonymous access is on, as the seeds'
    /// scripts expect. The identity is null when the client is refused. An address (or a username) backing off after
    /// too many failures is refused at once, without hashing (<see cref="LoginThrottle"/>); so is any CONNECT with a
    /// password while the check queue is full (<see cref="AuthenticationOutcome.ServerBusy"/>).
    /// </summary>
    public async ValueTask<(AuthenticationOutcome Outcome, ClientIdentity? Identity)> AuthenticateAsync(string? userName, string? password, IPAddress? address = null)
    {
        if (!string.IsNullOrEmpty(userName) && users.TryGet(userName, out var stored))
        {
            if (throttle.BackingOffUntil(address, userName) is { } until)
            {
                metrics.LoginThrottled();
                LoginFailed(address, userName, $"backing off until {until:HH:mm:ss}Z");
                return (AuthenticationOutcome.BadCredentials, null);
            }

            var verified = password is null ? false : await VerifyAsync(stored, password, address);
            switch (verified)
            {
                case true:
                    throttle.Succeeded(address, userName);
                    return (AuthenticationOutcome.User, new ClientIdentity(userName, stored.Entity.PasswordHash, online: true));
                case false:
                    throttle.Failed(address, userName);
                    LoginFailed(address, userName, password is null ? "no password" : "wrong password");
                    return (AuthenticationOutcome.BadCredentials, null);
                default:
                    metrics.LoginThrottled();
                    if (_busyLog.ShouldLog())
                    {
                        logger.LogWarning("Broker login from {Address} for user '{User}' refused as server unavailable: too many password checks are waiting (Broker:MaxPendingPasswordChecks, MaxPendingPasswordChecksPerAddress)",
                            address, Printable(userName));
                    }

                    return (AuthenticationOutcome.ServerBusy, null);
            }
        }

        if (users.AllowAnonymous)
        {
            return (AuthenticationOutcome.Anonymous, new ClientIdentity(null, null, online: true));
        }

        if (!string.IsNullOrEmpty(userName) && password is not null)
        {
            // An unknown user's password is checked like a known one's, against a hash of nothing, so the answer takes as
            // long and waits in the same queue: how fast CONNACK comes does not tell which usernames exist.
            if (throttle.BackingOffUntil(address, userName) is not null)
            {
                metrics.LoginThrottled();
            }
            else if (await VerifyAsync(_nobody.Value, password, address) is null)
            {
                metrics.LoginThrottled();
                return (AuthenticationOutcome.ServerBusy, null);
            }
        }

        // Counted all the same: guessing usernames backs an address off like guessing passwords.
        throttle.Failed(address, userName: null);
        LoginFailed(address, userName ?? "", string.IsNullOrEmpty(userName) ? "no credentials, anonymous access is off" : "unknown user");
        return (string.IsNullOrEmpty(userName) ? AuthenticationOutcome.AnonymousRefused : AuthenticationOutcome.BadCredentials, null);
    }

    /// <summary>
    /// False when the user's password changed or the user was deleted since <paramref name="identity"/> was
    /// authenticated; anonymous identities are always current.
    /// </summary>
    public bool IsCurrent(ClientIdentity identity) =>
        identity.UserName is not { } name
        || (users.TryGet(name, out var stored) && stored.Entity.PasswordHash == identity.PasswordHash);

    /// <summary>True or false for the password; null when it was not checked because the check queue is full.</summary>
    private async ValueTask<bool?> VerifyAsync(StoredUser stored, string password, IPAddress? address)
    {
        var mac = HMACSHA256.HashData(_verifiedKey, Encoding.UTF8.GetBytes(password));
        var now = time.GetUtcNow();
        if (_verified.TryGetValue(stored, out var verified) && now < verified.Until && CryptographicOperations.FixedTimeEquals(verified.Mac, mac))
        {
            return true;
        }

        // At most half the cores hash at once: a burst of CONNECTs with passwords (or a stream of wrong ones) waits its
        // turn instead of taking every thread-pool thread from the clients already connected (bench/run.sh security).
        // The queue is bounded, in all and per address, so a flood is refused at once rather than delay a real login.
        if (!throttle.TryEnterCheck(address))
        {
            return null;
        }

        try
        {
            await _hashGate.WaitAsync();
            try
            {
                var hash = stored.Entity.PasswordHash;
                if (MosquittoFiles.IsMosquittoHash(hash)
                    ? !MosquittoFiles.Verify(hash, password) // imported from Mosquitto's password_file
                    : BrokerUserStore.Hasher.VerifyHashedPassword(stored.Entity, hash, password) == PasswordVerificationResult.Failed)
                {
                    return false;
                }
            }
            finally
            {
                _hashGate.Release();
            }
        }
        finally
        {
            throttle.ExitCheck(address);
        }

        // Fixed from this verification, not sliding: a client that reconnects all the time still pays one PBKDF2 every period.
        _verified.AddOrUpdate(stored, new VerifiedPassword(mac, now + VerifiedFor));
        return true;
    }

    /// <summary>A user no one can log in as: its hash is of a random password nobody knows.</summary>
    private static StoredUser Nobody()
    {
        var entity = new BrokerUserEntity { Name = "" };
        entity.PasswordHash = BrokerUserStore.Hasher.HashPassword(entity, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        return new StoredUser(new BrokerUser("", [], DateTime.MinValue), entity);
    }

    /// <summary>
    /// Counts a failed login and logs it, at most once per address every 10 s, in one stable line for fail2ban:
    /// <c>Broker login failed from 1.2.3.4 for user 'x': wrong password</c>. The address comes before the username,
    /// which the client chose (and which is shown with quotes and control characters escaped), so a crafted username
    /// cannot make a filter read another address.
    /// </summary>
    private void LoginFailed(IPAddress? address, string userName, string reason)
    {
        metrics.LoginFailed(new Refusal(time.GetUtcNow(), address?.ToString(), string.IsNullOrEmpty(userName) ? null : userName, null));
        if (throttle.ShouldLog(address))
        {
            logger.LogWarning("Broker login failed from {Address} for user '{User}': {Reason}",
                address?.ToString() ?? "unknown", Printable(userName), reason);
        }
    }

    internal static string Printable(string userName)
    {
        var text = userName.Length > MaxLoggedUserNameLength ? userName[..MaxLoggedUserNameLength] + "…" : userName;
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            builder.Append(c switch
            {
                '\\' => "\\\\",
                '\'' => "\\'",
                _ when char.IsControl(c) || char.IsSurrogate(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return builder.ToString();
    }

    private sealed record VerifiedPassword(byte[] Mac, DateTimeOffset Until);
}
