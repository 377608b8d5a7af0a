using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Dashboard.Broker.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Dashboard.Broker.Auth;

/// <summary>
/// Broker users and ACLs: stored in the database, served from an in-memory snapshot that every change replaces,
/// so CONNECT, SUBSCRIBE and deliveries never wait on the database. Passwords are hashed with Identity's
/// <see cref="PasswordHasher{TUser}"/> (salted PBKDF2, slow by design: only CONNECT verifies one).
/// </summary>
public sealed class BrokerUserStore(IServiceScopeFactory scopes, IOptions<BrokerOptions> options, TimeProvider time)
{
    // Not empty and granting nothing: a deleted user's clients may do nothing.
    private static readonly AclEntry[] NothingAllowed = [new("#", AclAccess.Deny)];

    // A PBKDF2 verification costs ~50 ms of CPU (bench/run.sh security), so a client that reconnects, or many clients
    // sharing a user, would keep the broker busy. A successful one is remembered for a while as an HMAC of the password
    // under a key that never leaves this process; it sits in the user's snapshot entry, which any change to the users
    // replaces, so a changed password or a deleted user is never let in from it. Failures are never remembered.
    private static readonly TimeSpan VerifiedFor = TimeSpan.FromMinutes(5);
    private readonly byte[] _verifiedKey = RandomNumberGenerator.GetBytes(32);
    private readonly PasswordHasher<BrokerUserEntity> _hasher = new();
    private readonly SemaphoreSlim _hashGate = new(Math.Max(1, Environment.ProcessorCount / 2));
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    // Who each connected (or offline persistent) client authenticated as. A class, not a record: a closing
    // connection removes its own entry only, never the one of a client that took its id over. Entries are
    // installed when CONNACK has gone out (a refused connection never replaces the identity of a session).
    private readonly ConcurrentDictionary<string, ClientIdentity> _clients = new(StringComparer.Ordinal);
    private volatile Snapshot _snapshot = new(new Dictionary<string, Cached>(StringComparer.Ordinal), []);

    public bool AllowAnonymous => options.Value.AllowAnonymous;

    /// <summary>Raised after any change, for pages that list users.</summary>
    public event Action? Changed;

    /// <summary>
    /// Raised when a user's password changed or the user was deleted: credentials checked before no longer hold.
    /// Awaited before the change returns, so the API answers once the user's clients have been dealt with.
    /// </summary>
    public event Func<BrokerUserRevoked, Task>? Revoked;

    /// <summary>How many client ids have a known identity: connected clients plus offline persistent sessions.</summary>
    public int KnownClients => _clients.Count;

    public IReadOnlyList<BrokerUser> Users() =>
        [.. _snapshot.Users.Values.Select(c => c.User).OrderBy(u => u.Name, StringComparer.Ordinal)];

    public BrokerUser? Find(string name) => _snapshot.Users.TryGetValue(name, out var cached) ? cached.User : null;

    public IReadOnlyList<AclEntry> AnonymousAcl => _snapshot.AnonymousAcl;

    public async Task LoadAsync(DbContext db, CancellationToken cancellationToken)
    {
        var users = await db.Set<BrokerUserEntity>().AsNoTracking().ToListAsync(cancellationToken);
        var entries = await db.Set<BrokerAclEntryEntity>().AsNoTracking().OrderBy(a => a.Position).ToListAsync(cancellationToken);
        var byUser = entries.Where(a => a.UserName is not null).ToLookup(a => a.UserName!, StringComparer.Ordinal);
        var cached = users.ToDictionary(u => u.Name,
            u => new Cached(new BrokerUser(u.Name, ToAcl(byUser[u.Name]), u.UpdatedAt), u), StringComparer.Ordinal);
        _snapshot = new Snapshot(cached, ToAcl(entries.Where(a => a.UserName is null)));
    }

    /// <summary>
    /// Checks CONNECT's credentials. An unknown user connects anonymously while anonymous access is on, as the seeds'
    /// scripts expect. The identity is what <see cref="Install"/> takes once the connection is established and
    /// <see cref="Closed"/> when it closes.
    /// </summary>
    internal async ValueTask<(AuthenticationOutcome Outcome, ClientIdentity? Identity)> AuthenticateAsync(string? userName, string? password)
    {
        var snapshot = _snapshot;
        if (!string.IsNullOrEmpty(userName) && snapshot.Users.TryGetValue(userName, out var cached))
        {
            var verified = password is not null && await VerifyAsync(cached, password);
            return verified
                ? (AuthenticationOutcome.User, new ClientIdentity(userName, cached.Entity.PasswordHash, online: true))
                : (AuthenticationOutcome.BadCredentials, null);
        }

        if (AllowAnonymous)
        {
            return (AuthenticationOutcome.Anonymous, new ClientIdentity(null, null, online: true));
        }

        return (string.IsNullOrEmpty(userName) ? AuthenticationOutcome.AnonymousRefused : AuthenticationOutcome.BadCredentials, null);
    }

    private async ValueTask<bool> VerifyAsync(Cached cached, string password)
    {
        var mac = HMACSHA256.HashData(_verifiedKey, Encoding.UTF8.GetBytes(password));
        var now = time.GetUtcNow();
        if (cached.Verified is { } verified && now < verified.Until && CryptographicOperations.FixedTimeEquals(verified.Mac, mac))
        {
            return true;
        }

        // At most half the cores hash at once: a burst of CONNECTs with passwords (or a stream of wrong ones) waits its
        // turn instead of taking every thread-pool thread from the clients already connected (bench/run.sh security).
        await _hashGate.WaitAsync();
        try
        {
            if (_hasher.VerifyHashedPassword(cached.Entity, cached.Entity.PasswordHash, password) == PasswordVerificationResult.Failed)
            {
                return false;
            }
        }
        finally
        {
            _hashGate.Release();
        }

        // Fixed from this verification, not sliding: a client that reconnects all the time still pays one PBKDF2 every period.
        cached.Verified = new VerifiedPassword(mac, now + VerifiedFor);
        return true;
    }

    /// <summary>The connection is established: from now on the client id is checked as this identity.</summary>
    internal void Install(string clientId, ClientIdentity identity) => _clients[clientId] = identity;

    /// <summary>
    /// A persistent session restored at start-up: until its client returns, messages for it are judged by the
    /// ACL of the user it last connected as, not by the anonymous one.
    /// </summary>
    public void Restore(string clientId, string? userName) =>
        _clients.TryAdd(clientId, new ClientIdentity(userName, null, online: false));

    /// <summary>
    /// True when a CONNECT for <paramref name="clientId"/> as <paramref name="userName"/> would be judged as someone
    /// other than the one its existing session belongs to; such a client must start a new session rather than
    /// inherit the old one's subscriptions and queued messages. An unknown username counts as anonymous, as in
    /// <see cref="AuthenticateAsync"/>.
    /// </summary>
    public bool BelongsToSomeoneElse(string clientId, string? userName)
    {
        if (!_clients.TryGetValue(clientId, out var current))
        {
            return false;
        }

        var wouldBe = !string.IsNullOrEmpty(userName) && _snapshot.Users.ContainsKey(userName) ? userName : null;
        return !string.Equals(current.UserName, wouldBe, StringComparison.Ordinal);
    }

    /// <summary>
    /// False when the user's password changed or the user was deleted since <paramref name="identity"/> was
    /// authenticated; anonymous identities are always current.
    /// </summary>
    internal bool IsCurrent(ClientIdentity identity) =>
        identity.UserName is not { } name
        || (_snapshot.Users.TryGetValue(name, out var cached) && cached.Entity.PasswordHash == identity.PasswordHash);

    /// <summary>A connection has closed: its identity is no longer needed unless a persistent session keeps it (or another connection has taken the id).</summary>
    internal void Closed(string clientId, ClientIdentity identity, bool sessionKept)
    {
        identity.Online = false;
        if (!sessionKept)
        {
            _clients.TryRemove(new KeyValuePair<string, ClientIdentity>(clientId, identity));
        }
    }

    /// <summary>A persistent session has ended (expired, cleaned, taken over by a clean session, its user deleted): forget who it was, unless a client is connected with that id.</summary>
    public void SessionEnded(string clientId)
    {
        if (_clients.TryGetValue(clientId, out var entry) && !entry.Online)
        {
            _clients.TryRemove(new KeyValuePair<string, ClientIdentity>(clientId, entry));
        }
    }

    /// <summary>True when every ACL is empty: deliveries need no check at all.</summary>
    public bool Unrestricted => _snapshot.Unrestricted;

    public bool CanPublish(string clientId, string topic) => Check(clientId, out var user) is var acl && Acl.CanPublish(acl, topic, user, clientId);

    public bool CanSubscribe(string clientId, string filter) => Check(clientId, out var user) is var acl && Acl.CanSubscribe(acl, filter, user, clientId);

    public bool CanRead(string clientId, string topic) => Check(clientId, out var user) is var acl && Acl.CanRead(acl, topic, user, clientId);

    /// <summary>May <paramref name="userName"/> (null: anonymous) read <paramref name="topic"/> as <paramref name="clientId"/>, by the ACL as it is now?</summary>
    public bool CanRead(string? userName, string clientId, string topic) => Acl.CanRead(AclOf(userName), topic, userName, clientId);

    // The client's current ACL: a change applies to clients already connected. A deleted user may do nothing.
    // A client id without a known identity is anonymous.
    private IReadOnlyList<AclEntry> Check(string clientId, out string? user)
    {
        user = _clients.TryGetValue(clientId, out var identity) ? identity.UserName : null;
        return AclOf(user);
    }

    private IReadOnlyList<AclEntry> AclOf(string? user)
    {
        var snapshot = _snapshot;
        if (user is null)
        {
            return snapshot.AnonymousAcl;
        }

        return snapshot.Users.TryGetValue(user, out var cached) ? cached.User.Acl : NothingAllowed;
    }

    public async Task<BrokerUserResult> CreateAsync(BrokerUserInput input)
    {
        var errors = new Dictionary<string, string[]>();
        AddError(errors, "name", BrokerUserValidator.NameError(input.Name));
        AddError(errors, "password", BrokerUserValidator.PasswordError(input.Password, required: true));
        var (acl, aclErrors) = BrokerUserValidator.ParseAcl(input.Acl);
        if (aclErrors.Count > 0)
        {
            errors["acl"] = [.. aclErrors];
        }

        if (errors.Count == 0 && Find(input.Name!) is not null)
        {
            errors["name"] = [$"There is already a user '{input.Name}'."];
        }

        if (errors.Count > 0)
        {
            return new BrokerUserResult(null, errors);
        }

        return await WriteAsync(input.Name!, input.Password, acl, create: true);
    }

    public async Task<BrokerUserResult> UpdateAsync(string name, BrokerUserInput input)
    {
        if (Find(name) is null)
        {
            return new BrokerUserResult(null, BrokerUserResult.NoErrors, NotFound: true);
        }

        var errors = new Dictionary<string, string[]>();
        AddError(errors, "password", BrokerUserValidator.PasswordError(input.Password, required: false));
        var (acl, aclErrors) = BrokerUserValidator.ParseAcl(input.Acl);
        if (aclErrors.Count > 0)
        {
            errors["acl"] = [.. aclErrors];
        }

        return errors.Count > 0 ? new BrokerUserResult(null, errors) : await WriteAsync(name, input.Password, acl, create: false);
    }

    public async Task<bool> DeleteAsync(string name)
    {
        var removed = false;
        await _writeLock.WaitAsync();
        try
        {
            using var scope = scopes.CreateScope();
            var db = BrokerDatabase.Get(scope.ServiceProvider);
            var deleted = await db.Set<BrokerUserEntity>().Where(u => u.Name == name).ExecuteDeleteAsync();
            await db.Set<BrokerAclEntryEntity>().Where(a => a.UserName == name).ExecuteDeleteAsync();
            await LoadAsync(db, CancellationToken.None);
            removed = deleted > 0;
        }
        finally
        {
            _writeLock.Release();
            Changed?.Invoke();
        }

        if (removed)
        {
            await RaiseRevokedAsync(new BrokerUserRevoked(name, Deleted: true));
        }

        return removed;
    }

    /// <summary>Replaces the anonymous ACL; the errors are those of the entries.</summary>
    public async Task<IReadOnlyList<string>> SetAnonymousAclAsync(IReadOnlyList<AclEntryInput>? input)
    {
        var (acl, errors) = BrokerUserValidator.ParseAcl(input);
        if (errors.Count > 0)
        {
            return errors;
        }

        await _writeLock.WaitAsync();
        try
        {
            using var scope = scopes.CreateScope();
            var db = BrokerDatabase.Get(scope.ServiceProvider);
            await ReplaceAclAsync(db, null, acl);
            await LoadAsync(db, CancellationToken.None);
        }
        finally
        {
            _writeLock.Release();
            Changed?.Invoke();
        }

        return errors;
    }

    private async Task<BrokerUserResult> WriteAsync(string name, string? password, List<AclEntry> acl, bool create)
    {
        var passwordChanged = false;
        BrokerUserResult result;
        await _writeLock.WaitAsync();
        try
        {
            using var scope = scopes.CreateScope();
            var db = BrokerDatabase.Get(scope.ServiceProvider);
            var entity = await db.Set<BrokerUserEntity>().FindAsync(name);
            if (entity is null != create)
            {
                return create
                    ? new BrokerUserResult(null, new Dictionary<string, string[]> { ["name"] = [$"There is already a user '{name}'."] })
                    : new BrokerUserResult(null, BrokerUserResult.NoErrors, NotFound: true);
            }

            if (entity is null)
            {
                entity = new BrokerUserEntity { Name = name };
                db.Add(entity);
            }

            if (password is not null)
            {
                entity.PasswordHash = _hasher.HashPassword(entity, password);
            }

            entity.UpdatedAt = time.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync();
            await ReplaceAclAsync(db, name, acl);
            await LoadAsync(db, CancellationToken.None);
            passwordChanged = !create && password is not null;
            result = new BrokerUserResult(Find(name), BrokerUserResult.NoErrors);
        }
        finally
        {
            _writeLock.Release();
            Changed?.Invoke();
        }

        if (passwordChanged)
        {
            await RaiseRevokedAsync(new BrokerUserRevoked(name, Deleted: false));
        }

        return result;
    }

    private async Task RaiseRevokedAsync(BrokerUserRevoked revoked)
    {
        foreach (var handler in Revoked?.GetInvocationList() ?? [])
        {
            await ((Func<BrokerUserRevoked, Task>)handler)(revoked);
        }
    }

    private static async Task ReplaceAclAsync(DbContext db, string? userName, List<AclEntry> acl)
    {
        await db.Set<BrokerAclEntryEntity>().Where(a => a.UserName == userName).ExecuteDeleteAsync();
        db.AddRange(acl.Select((entry, i) => new BrokerAclEntryEntity { UserName = userName, Position = i, Filter = entry.Filter, Access = entry.Access }));
        await db.SaveChangesAsync();
    }

    private static AclEntry[] ToAcl(IEnumerable<BrokerAclEntryEntity> entries) =>
        [.. entries.OrderBy(a => a.Position).Select(a => new AclEntry(a.Filter, a.Access))];

    private static void AddError(Dictionary<string, string[]> errors, string field, string? error)
    {
        if (error is not null)
        {
            errors[field] = [error];
        }
    }

    private sealed record Cached(BrokerUser User, BrokerUserEntity Entity)
    {
        private VerifiedPassword? _verified;

        // Written by whichever CONNECT verified last; a reference swap, read without a lock.
        public VerifiedPassword? Verified
        {
            get => Volatile.Read(ref _verified);
            set => Volatile.Write(ref _verified, value);
        }
    }

    private sealed record VerifiedPassword(byte[] Mac, DateTimeOffset Until);

    private sealed record Snapshot(Dictionary<string, Cached> Users, AclEntry[] AnonymousAcl)
    {
        public bool Unrestricted { get; } = AnonymousAcl.Length == 0 && Users.Values.All(c => c.User.Acl.Count == 0);
    }
}
