using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;

namespace Dashboard.Broker.Auth;

/// <summary>
/// Checks CONNECT's credentials against <see cref="BrokerUserStore"/>'s snapshot, so CONNECT never waits on the database.
/// Passwords are hashed with Identity's <see cref="PasswordHasher{TUser}"/> (salted PBKDF2, slow by design: only CONNECT
/// verifies one).
/// </summary>
internal sealed class CredentialCheck(BrokerUserStore users, TimeProvider time)
{
    // A PBKDF2 verification costs ~50 ms of CPU (bench/run.sh security), so a client that reconnects, or many clients
    // sharing a user, would keep the broker busy. A successful one is remembered for a while as an HMAC of the password
    // under a key that never leaves this process. It is kept against the user's entry in the store's snapshot, which any
    // change to the users replaces, so a changed password or a deleted user is never let in from it. Failures are never
    // remembered.
    private static readonly TimeSpan VerifiedFor = TimeSpan.FromMinutes(5);
    private readonly byte[] _verifiedKey = RandomNumberGenerator.GetBytes(32);
    private readonly ConditionalWeakTable<StoredUser, VerifiedPassword> _verified = new();
    private readonly SemaphoreSlim _hashGate = new(Math.Max(1, Environment.ProcessorCount / 2));

    /// <summary>
    /// Checks CONNECT's credentials. An unknown user connects anonymously while anonymous access is on, as the seeds'
    /// scripts expect. The identity is null when the client is refused.
    /// </summary>
    public async ValueTask<(AuthenticationOutcome Outcome, ClientIdentity? Identity)> AuthenticateAsync(string? userName, string? password)
    {
        if (!string.IsNullOrEmpty(userName) && users.TryGet(userName, out var stored))
        {
            var verified = password is not null && await VerifyAsync(stored, password);
            return verified
                ? (AuthenticationOutcome.User, new ClientIdentity(userName, stored.Entity.PasswordHash, online: true))
                : (AuthenticationOutcome.BadCredentials, null);
        }

        if (users.AllowAnonymous)
        {
            return (AuthenticationOutcome.Anonymous, new ClientIdentity(null, null, online: true));
        }

        return (string.IsNullOrEmpty(userName) ? AuthenticationOutcome.AnonymousRefused : AuthenticationOutcome.BadCredentials, null);
    }

    /// <summary>
    /// False when the user's password changed or the user was deleted since <paramref name="identity"/> was
    /// authenticated; anonymous identities are always current.
    /// </summary>
    public bool IsCurrent(ClientIdentity identity) =>
        identity.UserName is not { } name
        || (users.TryGet(name, out var stored) && stored.Entity.PasswordHash == identity.PasswordHash);

    private async ValueTask<bool> VerifyAsync(StoredUser stored, string password)
    {
        var mac = HMACSHA256.HashData(_verifiedKey, Encoding.UTF8.GetBytes(password));
        var now = time.GetUtcNow();
        if (_verified.TryGetValue(stored, out var verified) && now < verified.Until && CryptographicOperations.FixedTimeEquals(verified.Mac, mac))
        {
            return true;
        }

        // At most half the cores hash at once: a burst of CONNECTs with passwords (or a stream of wrong ones) waits its
        // turn instead of taking every thread-pool thread from the clients already connected (bench/run.sh security).
        await _hashGate.WaitAsync();
        try
        {
            if (BrokerUserStore.Hasher.VerifyHashedPassword(stored.Entity, stored.Entity.PasswordHash, password) == PasswordVerificationResult.Failed)
            {
                return false;
            }
        }
        finally
        {
            _hashGate.Release();
        }

        // Fixed from this verification, not sliding: a client that reconnects all the time still pays one PBKDF2 every period.
        _verified.AddOrUpdate(stored, new VerifiedPassword(mac, now + VerifiedFor));
        return true;
    }

    private sealed record VerifiedPassword(byte[] Mac, DateTimeOffset Until);
}
