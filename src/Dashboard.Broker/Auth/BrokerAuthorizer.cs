namespace Dashboard.Broker.Auth;

/// <summary>
/// The ACL decisions for a client id, by its user's ACL as it is now: a change applies to clients already connected.
/// They run on every publish and delivery, so they only read the store's snapshot and the identities, and allocate nothing.
/// </summary>
internal sealed class BrokerAuthorizer(BrokerUserStore users, ClientIdentities identities)
{
    // Not empty and granting nothing: a deleted user's clients may do nothing.
    private static readonly AclEntry[] NothingAllowed = [new("#", AclAccess.Deny)];

    /// <summary>True when every ACL is empty: deliveries need no check at all.</summary>
    public bool Unrestricted => users.Unrestricted;

    public bool CanPublish(string clientId, string topic) => identities.UserOf(clientId) is var user && Acl.CanPublish(AclOf(user), topic, user, clientId);

    public bool CanSubscribe(string clientId, string filter) => identities.UserOf(clientId) is var user && Acl.CanSubscribe(AclOf(user), filter, user, clientId);

    public bool CanRead(string clientId, string topic) => identities.UserOf(clientId) is var user && Acl.CanRead(AclOf(user), topic, user, clientId);

    /// <summary>May <paramref name="userName"/> (null: anonymous) publish to <paramref name="topic"/> as <paramref name="clientId"/>, by the ACL as it is now?</summary>
    public bool CanPublish(string? userName, string clientId, string topic) => Acl.CanPublish(AclOf(userName), topic, userName, clientId);

    /// <summary>May <paramref name="userName"/> (null: anonymous) read <paramref name="topic"/> as <paramref name="clientId"/>, by the ACL as it is now?</summary>
    public bool CanRead(string? userName, string clientId, string topic) => Acl.CanRead(AclOf(userName), topic, userName, clientId);

    private IReadOnlyList<AclEntry> AclOf(string? user) =>
        user is null ? users.AnonymousAcl
        : users.TryGet(user, out var stored) ? stored.User.Acl
        : NothingAllowed;
}
