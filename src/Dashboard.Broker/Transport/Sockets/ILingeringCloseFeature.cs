namespace Dashboard.Broker.Transport.Sockets;

/// <summary>
/// A connection that should close gently: the broker's last word (DISCONNECT with a reason, a refusing CONNACK) must reach
/// a client that is still sending. Closing a socket with unread input resets the connection, and a reset makes the
/// client's next write fail and may discard what it had not read yet, that last word among it. The connection shuts its
/// sending side and reads and drops the client's input for a short while before it closes.
/// </summary>
internal interface ILingeringCloseFeature
{
    void LingerOnClose();
}
