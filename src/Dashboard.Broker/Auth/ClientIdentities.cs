using System.Collections.Concurrent;

namespace Dashboard.Broker.Auth;

/// <summary>
/// Who each connected (or offline persistent) client authenticated as, by client id. Bounded: an entry goes when neither
/// a connection nor a persistent session needs it. Entries are installed as CONNACK goes out (a refused connection
/// never replaces the identity of a session).
/// </summary>
internal sealed class ClientIdentities(BrokerUserStore users)
{
    private readonly ConcurrentDictionary<string, ClientIdentity> _clients = new(StringComparer.Ordinal);

    /// <summary>How many client ids have a known identity: connected clients plus offline persistent sessions.</summary>
    public int Count => _clients.Count;

    /// <summary>The user the client is judged as; null for anonymous, which a client id without a known identity is.</summary>
    public string? UserOf(string clientId) => _clients.TryGetValue(clientId, out var identity) ? identity.UserName : null;

    /// <summary>The connection is established: from now on the client id is checked as this identity.</summary>
    public void Install(string clientId, ClientIdentity identity) => _clients[clientId] = identity;

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

        var wouldBe = !string.IsNullOrEmpty(userName) && users.TryGet(userName, out _) ? userName : null;
        return !string.Equals(current.UserName, wouldBe, StringComparison.Ordinal);
    }

    /// <summary>
    /// True when <paramref name="clientId"/> is held by a broker user other than <paramref name="userName"/> (as
    /// authenticated; null: anonymous): a connected client, or a persistent session kept offline. Such a CONNECT is
    /// refused. A client id held by an anonymous client is no one's in particular: another anonymous client takes it
    /// over as MQTT does, and a user takes it with a clean start (<see cref="BelongsToSomeoneElse"/>).
    /// </summary>
    public bool HeldByAnotherUser(string clientId, string? userName) =>
        _clients.TryGetValue(clientId, out var current)
        && current.UserName is not null
        && !string.Equals(current.UserName, userName, StringComparison.Ordinal);

    /// <summary>A connection has closed: its identity is no longer needed unless a persistent session keeps it (or another connection has taken the id).</summary>
    public void Closed(string clientId, ClientIdentity identity, bool sessionKept)
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
        if (_clients.TryGetValue(clientId, out var identity) && !identity.Online)
        {
            _clients.TryRemove(new KeyValuePair<string, ClientIdentity>(clientId, identity));
        }
    }
}
