using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Dashboard.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Dashboard.Broker.Auth;

/// <summary>
/// Broker users and ACLs: stored in the database, served from an in-memory snapshot that every change replaces,
/// so CONNECT, SUBSCRIBE and deliveries never wait on the database. Passwords are hashed with Identity's
/// <see cref="PasswordHasher{TUser}"/> (salted PBKDF2, slow by design: only CONNECT verifies one).
/// </summary>
public sealed class BrokerUsers(IServiceScopeFactory scopes, IOptions<BrokerOptions> options, TimeProvider time)
{
    // Not empty and granting nothing: a deleted user's clients may do nothing.
    private static readonly AclEntry[] NothingAllowed = [new("#", AclAccess.Deny)];

    // A PBKDF2 verification costs ~90 ms of CPU (bench/run.sh security), so a client that reconnects, or many clients
    // sharing a user, would keep the broker busy. A successful one is remembered for a while as an HMAC of the password
    // under a key that never leaves this process; it sits in the user's snapshot entry, which any change to the users
    // replaces, so a changed password or a deleted user is never let in from it. Failures are never remembered.
    private static readonly TimeSpan VerifiedFor = TimeSpan.FromMinutes(5);
    private readonly byte[] _verifiedKey = RandomNumberGenerator.GetBytes(32);
    private readonly PasswordHasher<BrokerUserEntity> _hasher = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    // Who each connected (or offline persistent) client authenticated as. A class, not a record: a closing
    // connection removes its own entry only, never the one of a client that took its id over.
    private readonly ConcurrentDictionary<string, ClientIdentity> _clients = new(StringComparer.Ordinal);
    private volatile Snapshot _snapshot = new(new Dictionary<string, Cached>(StringComparer.Ordinal), []);

    public bool AllowAnonymous => options.Value.AllowAnonymous;

    /// <summary>Raised after any change, for pages that list users.</summary>
    public event Action? Changed;

    public IReadOnlyList<BrokerUser> Users() =>
        [.. _snapshot.Users.Values.Select(c => c.User).OrderBy(u => u.Name, StringComparer.Ordinal)];

    public BrokerUser? Find(string name) => _snapshot.Users.TryGetValue(name, out var cached) ? cached.User : null;

    public IReadOnlyList<AclEntry> AnonymousAcl => _snapshot.AnonymousAcl;

    public async Task LoadAsync(DashboardDbContext db, CancellationToken cancellationToken)
    {
        var users = await db.Set<BrokerUserEntity>().AsNoTracking().ToListAsync(cancellationToken);
        var entries = await db.Set<BrokerAclEntryEntity>().AsNoTracking().OrderBy(a => a.Position).ToListAsync(cancellationToken);
        var byUser = entries.Where(a => a.UserName is not null).ToLookup(a => a.UserName!, StringComparer.Ordinal);
        var cached = users.ToDictionary(u => u.Name,
            u => new Cached(new BrokerUser(u.Name, ToAcl(byUser[u.Name]), u.UpdatedAt), u), StringComparer.Ordinal);
        _snapshot = new Snapshot(cached, ToAcl(entries.Where(a => a.UserName is null)));
    }

    /// <summary>Checks CONNECT's credentials. An unknown user connects anonymously while anonymous access is on, as the seeds' scripts expect.</summary>
    public AuthenticationOutcome Authenticate(string clientId, string? userName, string? password) =>
        Authenticate(clientId, userName, password, out _);

    /// <summary>As above; <paramref name="identity"/> is what <see cref="Forget"/> takes when the connection closes.</summary>
    public AuthenticationOutcome Authenticate(string clientId, string? userName, string? password, out object? identity)
    {
        identity = null;
        var snapshot = _snapshot;
        AuthenticationOutcome outcome;
        if (!string.IsNullOrEmpty(userName) && snapshot.Users.TryGetValue(userName, out var cached))
        {
            outcome = password is not null && Verify(cached, password) ? AuthenticationOutcome.User : AuthenticationOutcome.BadCredentials;
        }
        else if (AllowAnonymous)
        {
            outcome = AuthenticationOutcome.Anonymous;
        }
        else
        {
            outcome = string.IsNullOrEmpty(userName) ? AuthenticationOutcome.AnonymousRefused : AuthenticationOutcome.BadCredentials;
        }

        if (outcome is AuthenticationOutcome.User or AuthenticationOutcome.Anonymous)
        {
            var entry = new ClientIdentity(outcome == AuthenticationOutcome.User ? userName : null);
            _clients[clientId] = entry;
            identity = entry;
        }

        return outcome;
    }

    private bool Verify(Cached cached, string password)
    {
        var mac = HMACSHA256.HashData(_verifiedKey, Encoding.UTF8.GetBytes(password));
        var now = time.GetUtcNow();
        if (cached.Verified is { } verified && now < verified.Until && CryptographicOperations.FixedTimeEquals(verified.Mac, mac))
        {
            return true;
        }

        if (_hasher.VerifyHashedPassword(cached.Entity, cached.Entity.PasswordHash, password) == PasswordVerificationResult.Failed)
        {
            return false;
        }

        // Fixed from this verification, not sliding: a client that reconnects all the time still pays one PBKDF2 every period.
        cached.Verified = new VerifiedPassword(mac, now + VerifiedFor);
        return true;
    }

    /// <summary>A clean connection has closed: its identity is no longer needed (unless another connection has taken the id).</summary>
    public void Forget(string clientId, object identity)
    {
        if (identity is ClientIdentity entry)
        {
            _clients.TryRemove(new KeyValuePair<string, ClientIdentity>(clientId, entry));
        }
    }

    /// <summary>True when every ACL is empty: deliveries need no check at all.</summary>
    public bool Unrestricted => _snapshot.Unrestricted;

    public bool CanPublish(string clientId, string topic) => Check(clientId, out var user) is var acl && Acl.CanPublish(acl, topic, user, clientId);

    public bool CanSubscribe(string clientId, string filter) => Check(clientId, out var user) is var acl && Acl.CanSubscribe(acl, filter, user, clientId);

    public bool CanRead(string clientId, string topic) => Check(clientId, out var user) is var acl && Acl.CanRead(acl, topic, user, clientId);

    // The client's current ACL: a change applies to clients already connected. A deleted user may do nothing.
    // A session restored at start-up has not authenticated yet: it gets the anonymous ACL until it reconnects.
    private IReadOnlyList<AclEntry> Check(string clientId, out string? user)
    {
        var snapshot = _snapshot;
        user = _clients.TryGetValue(clientId, out var identity) ? identity.UserName : null;
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
        await _writeLock.WaitAsync();
        try
        {
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
            var deleted = await db.Set<BrokerUserEntity>().Where(u => u.Name == name).ExecuteDeleteAsync();
            await db.Set<BrokerAclEntryEntity>().Where(a => a.UserName == name).ExecuteDeleteAsync();
            await LoadAsync(db, CancellationToken.None);
            return deleted > 0;
        }
        finally
        {
            _writeLock.Release();
            Changed?.Invoke();
        }
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
            var db = scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
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
        await _writeLock.WaitAsync();
        try
        {
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
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
            return new BrokerUserResult(Find(name), BrokerUserResult.NoErrors);
        }
        finally
        {
            _writeLock.Release();
            Changed?.Invoke();
        }
    }

    private static async Task ReplaceAclAsync(DashboardDbContext db, string? userName, List<AclEntry> acl)
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

    private sealed class ClientIdentity(string? userName)
    {
        public string? UserName { get; } = userName;
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
