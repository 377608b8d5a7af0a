using Dashboard.Broker.Transport;

namespace Dashboard.Tests.Broker;

public sealed class ConnectRefusalTests
{
    // CONNECT body: protocol name, level, flags, keep alive, client id.
    private static byte[] Body(string name, byte level, byte flags, string clientId) =>
    [
        0, (byte)name.Length, .. System.Text.Encoding.ASCII.GetBytes(name), level, flags, 0, 60,
        0, (byte)clientId.Length, .. System.Text.Encoding.ASCII.GetBytes(clientId),
    ];

    [Fact]
    public void Empty_client_id_without_clean_session_is_identifier_rejected() =>
        Assert.Equal(ConnectRefusal.IdentifierRejected, ConnectRefusal.ReturnCodeFor(Body("MQTT", 4, 0x00, "")));

    [Fact]
    public void Unknown_protocol_level_is_unacceptable_protocol_version() =>
        Assert.Equal(ConnectRefusal.UnacceptableProtocolVersion, ConnectRefusal.ReturnCodeFor(Body("MQTT", 9, 0x02, "x")));

    [Theory]
    [InlineData("MQTT", 4, 0x02, "")]
    [InlineData("MQTT", 5, 0x00, "")]
    [InlineData("MQIsdp", 3, 0x02, "sensor")]
    [InlineData("HTTP", 4, 0x02, "x")]
    public void Other_connects_get_no_refusal_code(string name, byte level, byte flags, string clientId) =>
        Assert.Null(ConnectRefusal.ReturnCodeFor(Body(name, level, flags, clientId)));

    [Fact]
    public void A_truncated_body_gets_no_refusal_code() => Assert.Null(ConnectRefusal.ReturnCodeFor([0, 4, (byte)'M']));
}
