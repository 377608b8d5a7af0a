using Dashboard.Broker.Transport;

namespace Dashboard.Broker.Auth;

/// <summary>
/// Forgets who a client was when its clean connection closes, so the table of identities stays as small as the
/// set of connected clients and persistent sessions.
/// </summary>
internal sealed class BrokerUserHook(BrokerUsers users) : IMqttPacketHook
{
    public void Closed(ClientConnection connection)
    {
        if (!connection.IsPersistentSession && connection.HookState.TryGetValue(typeof(BrokerUsers), out var identity))
        {
            users.Forget(connection.ClientId, identity);
        }
    }
}
