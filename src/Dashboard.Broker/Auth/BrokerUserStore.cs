using System.Diagnostics.CodeAnalysis;
using Dashboard.Broker.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Dashboard.Broker.Auth;

/// <summary>
/// Broker users and ACLs: stored in the database, served from an in-memory snapshot that every change replaces,
/// so CONNECT, SUBSCRIBE and deliveries never wait on the database. The public members are the user administration
/// of the API and the Settings page; the broker reads the snapshot through <see cref="CredentialCheck"/>,
/// <see cref="ClientIdentities"/> and <see cref="BrokerAuthorizer"/>.
/// </summary>
public sealed class BrokerUserStore(IServiceScopeFactory scopes, IOptions<BrokerOptions> options, TimeProvider time, ILogger<BrokerUserStore> logger)
{
    internal static readonly PasswordHasher<BrokerUserEntity> Hasher = new();

    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly SubscriberList<BrokerUsersChanged> _changed = new(logger, "broker user changes");
    private volatile Snapshot _snapshot = new(new Dictionary<string, StoredUser>(StringComparer.Ordinal), []);

    public bool AllowAnonymous => options.Value.AllowAnonymous;

    public IReadOnlyList<BrokerUser> Users() =>
        [.. _snapshot.Users.Values.Select(s => s.User).OrderBy(u => u.Name, StringComparer.Ordinal)];

    public BrokerUser? Find(string name) => TryGet(name, out var stored) ? stored.User : null;

    public IReadOnlyList<AclEntry> AnonymousAcl => _snapshot.AnonymousAcl;

    /// <summary>Calls <paramref name="onChanged"/> after any change, for pages that list users, until disposed.</summary>
    public IDisposable SubscribeChanged(Action<BrokerUsersChanged> onChanged) => _changed.Subscribe(onChanged);

    /// <summary>
    /// Raised when a user's password changed or the user was deleted: credentials checked before no longer hold.
    /// Awaited before the change returns, so the API answers once the user's clients have been dealt with.
    /// </summary>
    internal event Func<BrokerUserRevoked, Task>? Revoked;

    /// <summary>True when every ACL is empty.</summary>
    internal bool Unrestricted => _snapshot.Unrestricted;

    internal bool TryGet(string name, [MaybeNullWhen(false)] out StoredUser user) => _snapshot.Users.TryGetValue(name, out user);

    internal async Task LoadAsync(DbContext db, CancellationToken cancellationToken)
    {
        var users = await db.Set<BrokerUserEntity>().AsNoTracking().ToListAsync(cancellationToken);
        var entries = await db.Set<BrokerAclEntryEntity>().AsNoTracking().OrderBy(a => a.Position).ToListAsync(cancellationToken);
        var byUser = entries.Where(a => a.UserName is not null).ToLookup(a => a.UserName!, StringComparer.Ordinal);
        var stored = users.ToDictionary(u => u.Name,
            u => new StoredUser(new BrokerUser(u.Name, ToAcl(byUser[u.Name]), u.UpdatedAt), u), StringComparer.Ordinal);
        _snapshot = new Snapshot(stored, ToAcl(entries.Where(a => a.UserName is null)));
    }

    public async Task<BrokerUserResult> CreateAsync(BrokerUserInput input)
    {
        var errors = new Dictionary<string, string[]>();
        AddError(errors, "name", BrokerUserValidator.NameError(input.Name));
        AddError(errors, "password", BrokerUserValidator.PasswordError(input.Password, required: true, options.Value.MinPasswordLength));
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
        AddError(errors, "password", BrokerUserValidator.PasswordError(input.Password, required: false, options.Value.MinPasswordLength));
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
            _changed.Publish(new BrokerUsersChanged());
        }

        if (removed)
        {
            await RaiseRevokedAsync(new BrokerUserRevoked(name, Deleted: true));
        }

        return removed;
    }

    /// <summary>What importing <paramref name="aclFile"/> would make the anonymous clients' ACL (before anything is imported).</summary>
    public static IReadOnlyList<AclEntry> AnonymousAclFromMosquitto(string aclFile)
    {
        var acl = MosquittoFiles.ReadAcl(aclFile);
        var (entries, _) = BrokerUserValidator.ParseAcl([.. acl.Anonymous, .. acl.Patterns]);
        return entries.Count > 0 ? entries : [new AclEntry("#", AclAccess.Deny)];
    }

    /// <summary>
    /// Adds the users of Mosquitto's <c>password_file</c> with their hashes as they are, and with <c>acl_file</c> their ACLs
    /// and the anonymous clients' as Mosquitto applies them: a user's lines and every <c>pattern</c> line; whoever the file
    /// gives nothing is denied everything (<c># deny</c>), as Mosquitto denies what its ACL file does not grant. Existing
    /// users are left as they are. Users are added at once, not one at a time.
    /// </summary>
    public async Task<MosquittoImportResult> ImportMosquittoAsync(string passwordFile, string? aclFile)
    {
        var skipped = new List<string>();
        var acl = aclFile is null ? null : MosquittoFiles.ReadAcl(aclFile);
        skipped.AddRange(acl?.Problems.Select(p => $"ACL file {p}") ?? []);
        List<AclEntry> AclOf(string? user)
        {
            if (acl is null)
            {
                return [];
            }

            var lines = (user is null ? acl.Anonymous : acl.Users.GetValueOrDefault(user) ?? []).Concat(acl.Patterns).ToList();
            var (entries, errors) = BrokerUserValidator.ParseAcl(lines);
            skipped.AddRange(errors.Select(e => $"ACL of {user ?? "anonymous clients"}: {e}"));
            return entries.Count > 0 ? entries : [new AclEntry("#", AclAccess.Deny)];
        }

        var anonymous = acl is null ? null : AclOf(null);

        // Under the lock from here: who is "already a user here" cannot change before the new ones are written.
        await _writeLock.WaitAsync();
        var created = new List<(string Name, string Hash, List<AclEntry> Acl)>();
        try
        {
            foreach (var line in MosquittoFiles.ReadPasswords(passwordFile))
            {
                var problem = line.Problem
                    ?? (BrokerUserValidator.NameError(line.Name) is { } error ? $"line {line.Number} ({line.Name}): {error}" : null)
                    ?? (Find(line.Name) is not null || created.Any(c => c.Name == line.Name) ? $"line {line.Number} ({line.Name}): already a user here" : null);
                if (problem is null)
                {
                    created.Add((line.Name, line.Hash!, AclOf(line.Name)));
                }
                else
                {
                    skipped.Add(problem);
                }
            }

            skipped.AddRange(acl?.Users.Keys.Where(u => created.All(c => c.Name != u) && Find(u) is null)
                .Select(u => $"ACL file: user {u} has no line in the password file") ?? []);
            using var scope = scopes.CreateScope();
            var db = BrokerDatabase.Get(scope.ServiceProvider);
            await using var transaction = await db.Database.BeginTransactionAsync();
            var now = time.GetUtcNow().UtcDateTime;
            db.AddRange(created.Select(c => new BrokerUserEntity { Name = c.Name, PasswordHash = c.Hash, UpdatedAt = now }));
            db.AddRange(created.SelectMany(c => c.Acl.Select((entry, i) =>
                new BrokerAclEntryEntity { UserName = c.Name, Position = i, Filter = entry.Filter, Access = entry.Access })));
            await db.SaveChangesAsync();
            if (anonymous is not null)
            {
                await ReplaceAclAsync(db, null, anonymous);
            }

            await transaction.CommitAsync();
            await LoadAsync(db, CancellationToken.None);
        }
        finally
        {
            _writeLock.Release();
            _changed.Publish(new BrokerUsersChanged());
        }

        logger.LogInformation("Imported {Created} broker users from Mosquitto's files; {Skipped} lines left out", created.Count, skipped.Count);
        return new MosquittoImportResult([.. created.Select(c => c.Name)], skipped, anonymous);
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
            _changed.Publish(new BrokerUsersChanged());
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
            _changed.Publish(new BrokerUsersChanged());
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
        public bool Unrestricted { get; } = AnonymousAcl.Length == 0 && Users.Values.All(u => u.User.Acl.Count == 0);
    }
}

/// <summary>
/// A user in the store's snapshot. Any change to the users replaces every entry, and with it what
/// <see cref="CredentialCheck"/> remembers against the entry (by reference).
/// </summary>
internal sealed record StoredUser(BrokerUser User, BrokerUserEntity Entity);
