using MQTTnet.Packets;

namespace Dashboard.Broker.Transport;

/// <summary>
/// Sees every packet of a connection on its way between the socket and MQTTnet. Hooks run in registration
/// order for received packets and in reverse order for sent ones, so a hook that rewrites a request can
/// mend the answer before the hooks outside it see it. Hooks run on the connection's own receive/send path:
/// they must be quick and never do I/O.
/// </summary>
internal interface IMqttPacketHook
{
    /// <summary>Returns the packet MQTTnet should process, or null to swallow it.</summary>
    MqttPacket? Received(ClientConnection connection, MqttPacket packet) => packet;

    MqttPacket Sending(ClientConnection connection, MqttPacket packet) => packet;

    /// <summary>CONNACK (success) has been written: the client is connected and its MQTTnet session is attached.</summary>
    void Established(ClientConnection connection) { }

    /// <summary>The connection has ended and MQTTnet is done with it.</summary>
    void Closed(ClientConnection connection) { }
}
