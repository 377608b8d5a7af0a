namespace Dashboard.Broker.Auth;

/// <summary>A broker user as the API and the Settings page see it: no password, not even its hash.</summary>
public sealed record BrokerUser(string Name, IReadOnlyList<AclEntry> Acl, DateTime UpdatedAt);

/// <summary>A user to create or update; a null <see cref="Password"/> on update keeps the current one.</summary>
public sealed record BrokerUserInput(string? Name, string? Password, IReadOnlyList<AclEntryInput>? Acl);

/// <summary>An ACL line as typed: the access is one of read, write, readwrite, deny.</summary>
public sealed record AclEntryInput(string? Filter, string? Access);

/// <summary>The outcome of a change: the user, or the errors by field, or not found.</summary>
public sealed record BrokerUserResult(BrokerUser? User, IReadOnlyDictionary<string, string[]> Errors, bool NotFound = false)
{
    public static readonly IReadOnlyDictionary<string, string[]> NoErrors = new Dictionary<string, string[]>();
}

/// <summary>Something changed in the broker users or ACLs: read them again.</summary>
public sealed record BrokerUsersChanged;

/// <summary>A user's credentials no longer hold: the password changed, or the user was deleted.</summary>
internal sealed record BrokerUserRevoked(string Name, bool Deleted);

/// <summary>What a CONNECT's credentials came to.</summary>
internal enum AuthenticationOutcome
{
    Anonymous,
    User,
    BadCredentials,
    AnonymousRefused,

    /// <summary>Too many password checks are waiting (Broker:MaxPendingPasswordChecks): refused at once, the client may retry.</summary>
    ServerBusy,
}

/// <summary>
/// What an import of Mosquitto's files did: the users made, those left out (already here, or a line that could not be
/// taken) and, with an ACL file, the anonymous clients' new ACL.
/// </summary>
public sealed record MosquittoImportResult(IReadOnlyList<string> Created, IReadOnlyList<string> Skipped, IReadOnlyList<AclEntry>? AnonymousAcl);
