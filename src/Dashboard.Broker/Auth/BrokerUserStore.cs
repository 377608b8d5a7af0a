using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Dashboard.Broker.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Dashboard.Broker.Auth;

/// <summary>
/// Broker users and ACLs: stored in the database, served from an in-memory snapshot that every change replaces,
/// so CONNECT, SUBSCRIBE and deliveries never wait on the database.
/// </summary>
public sealed class BrokerUserStore(IServiceScopeFactory scopes, IOptions<BrokerOptions> options, TimeProvider time)
{
    // Not empty and granting nothing: a deleted user's clients may do nothing.
    private static readonly AclEntry[] NothingAllowed = [new("#", AclAccess.Deny)];

    internal static readonly PasswordHasher<BrokerUserEntity> Hasher = new();

    private readonly SemaphoreSlim _writeLock = new(1, 1);

    // Who each connected (or offline persistent) client authenticated as. A class, not a record: a closing
    // connection removes its own entry only, never the one of a client that took its id over. Entries are
    // installed when CONNACK has gone out (a refused connection never replaces the identity of a session).
    private readonly ConcurrentDictionary<string, ClientIdentity> _clients = new(StringComparer.Ordinal);
    private volatile Snapshot _snapshot = new(new Dictionary<string, StoredUser>(StringComparer.Ordinal), []);

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

    public BrokerUser? Find(string name) => TryGet(name, out var stored) ? stored.User : null;

    internal bool TryGet(string name, [MaybeNullWhen(false)] out StoredUser user) => _snapshot.Users.TryGetValue(name, out user);

    public IReadOnlyList<AclEntry> AnonymousAcl => _snapshot.AnonymousAcl;

    public async Task LoadAsync(DbContext db, CancellationToken cancellationToken)
    {
        var users = await db.Set<BrokerUserEntity>().AsNoTracking().ToListAsync(cancellationToken);
        var entries = await db.Set<BrokerAclEntryEntity>().AsNoTracking().OrderBy(a => a.Position).ToListAsync(cancellationToken);
        var byUser = entries.Where(a => a.UserName is not null).ToLookup(a => a.UserName!, StringComparer.Ordinal);
        var stored = users.ToDictionary(u => u.Name,
            u => new StoredUser(new BrokerUser(u.Name, ToAcl(byUser[u.Name]), u.UpdatedAt), u), StringComparer.Ordinal);
        _snapshot = new Snapshot(stored, ToAcl(entries.Where(a => a.UserName is null)));
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
    /// <see cref="CredentialCheck.AuthenticateAsync"/>.
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
                entity.PasswordHash = Hasher.HashPassword(entity, password);
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

    private sealed record Snapshot(Dictionary<string, StoredUser> Users, AclEntry[] AnonymousAcl)
    {
        public bool Unrestricted { get; } = AnonymousAcl.Length == 0 && Users.Values.All(c => c.User.Acl.Count == 0);
    }
}

/// <summary>A user in the store's snapshot; any change to the users replaces every entry.</summary>
internal sealed record StoredUser(BrokerUser User, BrokerUserEntity Entity);
