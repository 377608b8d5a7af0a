namespace Dashboard.Broker.Auth;

/// <summary>
/// Who a client is judged as: a broker user, or anonymous (<see cref="UserName"/> null). One per accepted CONNECT,
/// or per persistent session restored at start-up.
/// </summary>
/// <remarks>
/// A class, not a record: identities compare by reference, so a closing connection removes its own entry only,
/// never the one of a client that took its id over (even as the same user).
/// </remarks>
internal sealed class ClientIdentity(string? userName, string? passwordHash, bool online)
{
    private volatile bool _online = online;

    public string? UserName { get; } = userName;

    /// <summary>The hash the password was verified against: a changed password makes the identity stale.</summary>
    public string? PasswordHash { get; } = passwordHash;

    /// <summary>A connection holds this identity; false once it closed, or for a session restored at start-up.</summary>
    public bool Online
    {
        get => _online;
        set => _online = value;
    }
}
