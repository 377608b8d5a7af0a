using System.Text;
using Dashboard.Broker.Events;
using Dashboard.Broker.External;

namespace Dashboard.Tests.Broker.External;

/// <summary>EMQX's client events, with the payloads its documentation gives ("System Topic", client online and offline events).</summary>
public sealed class EmqxClientEventsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 7, 0, 0, TimeSpan.Zero);

    private const string Connected = """
        {
            "username": "foo",
            "ts": 1625572213873,
            "sockport": 1883,
            "proto_ver": 4,
            "proto_name": "MQTT",
            "keepalive": 60,
            "ipaddress": "127.0.0.1",
            "expiry_interval": 0,
            "connected_at": 1625572213873,
            "connack": 0,
            "clientid": "emqtt-8348fe27a87976ad4db3",
            "clean_start": true
        }
        """;

    private static string Disconnected(string reason) => $$"""
        {
            "username": "foo",
            "ts": 1625572213873,
            "sockport": 1883,
            "reason": "{{reason}}",
            "proto_ver": 4,
            "proto_name": "MQTT",
            "ipaddress": "127.0.0.1",
            "disconnected_at": 1625572213873,
            "clientid": "emqtt-8348fe27a87976ad4db3"
        }
        """;

    [Fact]
    public void A_connected_event_is_the_clients_connect()
    {
        Assert.True(EmqxClientEvents.TryRead("$SYS/brokers/emqx@127.0.0.1/clients/emqtt-8348fe27a87976ad4db3/connected",
            Encoding.UTF8.GetBytes(Connected), Now, out var e));

        Assert.Equal(BrokerEventKind.ClientConnected, e.Kind);
        Assert.Equal("emqtt-8348fe27a87976ad4db3", e.ClientId);
        var client = e.Client!;
        Assert.Equal(("foo", "127.0.0.1", "3.1.1", true, (ushort)60), (client.UserName, client.RemoteAddress, client.ProtocolVersion, client.CleanStart, client.KeepAliveSeconds));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1625572213873), client.ConnectedAt);
        Assert.Equal(ConnectionEnd.None, client.End);
    }

    [Theory]
    [InlineData("normal", ConnectionEnd.Disconnected, true)]
    [InlineData("tcp_closed", ConnectionEnd.ConnectionLost, false)]
    [InlineData("sock_closed", ConnectionEnd.ConnectionLost, false)]
    [InlineData("keepalive_timeout", ConnectionEnd.KeepAliveTimeout, false)]
    [InlineData("takenover", ConnectionEnd.TakenOver, false)]
    [InlineData("discarded", ConnectionEnd.TakenOver, false)]
    [InlineData("kicked", ConnectionEnd.ConnectionLost, false)]
    public void A_disconnected_event_says_how_the_connection_ended(string reason, ConnectionEnd end, bool graceful)
    {
        Assert.True(EmqxClientEvents.TryRead("$SYS/brokers/emqx@127.0.0.1/clients/emqtt-8348fe27a87976ad4db3/disconnected",
            Encoding.UTF8.GetBytes(Disconnected(reason)), Now, out var e));

        Assert.Equal(BrokerEventKind.ClientDisconnected, e.Kind);
        Assert.Equal((end, graceful), (e.Client!.End, e.Client.Graceful));
        Assert.Equal(Now, e.Time);
    }

    [Theory]
    [InlineData("$SYS/brokers/emqx@127.0.0.1/version", "5.8.0")]
    [InlineData("$SYS/brokers/emqx@127.0.0.1/clients/c1/subscribed", "{}")]
    [InlineData("$SYS/brokers/emqx@127.0.0.1/clients/c1/connected", "not json")]
    [InlineData("$SYS/brokers/emqx@127.0.0.1/clients/c1/connected", "[1, 2]")]
    [InlineData("home/clients/c1/connected/x/y", "{}")]
    public void Anything_else_is_not_a_client_event(string topic, string payload) =>
        Assert.False(EmqxClientEvents.TryRead(topic, Encoding.UTF8.GetBytes(payload), Now, out _));

    [Fact]
    public void The_client_id_comes_from_the_topic_when_the_payload_leaves_it_out()
    {
        Assert.True(EmqxClientEvents.TryRead("$SYS/brokers/n1/clients/sensor-7/connected", "{\"proto_ver\": 5}"u8, Now, out var e));

        Assert.Equal(("sensor-7", "5.0", Now), (e.ClientId, e.Client!.ProtocolVersion, e.Client.ConnectedAt));
    }
}
