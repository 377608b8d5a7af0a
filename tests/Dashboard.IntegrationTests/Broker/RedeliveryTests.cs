using System.Text;
using Dashboard.IntegrationTests.Infrastructure;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.Broker;

/// <summary>
/// A session resumed with unacknowledged messages gets them again with their original packet identifiers and DUP set
/// [MQTT-4.4.0-1] [MQTT-3.3.1-1], and a QoS 2 message it already answered with PUBREC as a PUBREL: a client that recognises
/// QoS 2 messages by identifier (as the specification's receiver does) must not deliver one twice. Raw sockets, so the
/// identifiers and flags on the wire are what is checked.
/// </summary>
public sealed class RedeliveryTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private DashboardApp App => fixture.App;

    private sealed record Received(int Type, bool Dup, string Topic, ushort Id, string Payload);

    [Fact]
    public async Task Unacknowledged_qos1_messages_come_back_with_their_identifiers_and_dup_set()
    {
        var (clientId, topic) = Names();
        await using var publisher = await TestClient.ConnectAsync(App);
        List<Received> first;
        await using (var device = await ConnectAsync(clientId, topic, qos: 1))
        {
            foreach (var payload in new[] { "1", "2", "3" })
            {
                await publisher.PublishAsync(topic, payload, MqttQualityOfServiceLevel.AtLeastOnce);
            }

            first = [await ReadAsync(device), await ReadAsync(device), await ReadAsync(device)];
            Assert.All(first, p => Assert.False(p.Dup));
        } // gone without acknowledging any

        await using var back = await ConnectAsync(clientId, topic: null, qos: 1);
        var again = new[] { await ReadAsync(back), await ReadAsync(back), await ReadAsync(back) };
        Assert.Equal(first.Select(p => (p.Id, p.Payload)), again.Select(p => (p.Id, p.Payload)));
        Assert.All(again, p => Assert.True(p.Dup));

        foreach (var p in again)
        {
            await back.SendAsync(new MqttPubAckPacket { PacketIdentifier = p.Id });
        }

        await publisher.PublishAsync(topic, "4", MqttQualityOfServiceLevel.AtLeastOnce);
        var next = await ReadAsync(back);
        Assert.Equal(("4", false), (next.Payload, next.Dup)); // the acknowledged ones are not sent a third time
    }

    [Fact]
    public async Task A_qos2_message_answered_with_pubrec_comes_back_as_a_pubrel_and_is_delivered_once()
    {
        var (clientId, topic) = Names();
        await using var publisher = await TestClient.ConnectAsync(App);
        Received a, b;
        await using (var device = await ConnectAsync(clientId, topic, qos: 2))
        {
            await publisher.PublishAsync(topic, "a", MqttQualityOfServiceLevel.ExactlyOnce);
            await publisher.PublishAsync(topic, "b", MqttQualityOfServiceLevel.ExactlyOnce);
            (a, b) = (await ReadAsync(device), await ReadAsync(device));
            await device.SendAsync(new MqttPubRecPacket { PacketIdentifier = a.Id });
            Assert.Equal((6, a.Id), Describe(await ReadAsync(device))); // PUBREL
        } // gone before PUBCOMP for "a" and before answering "b"

        await using var back = await ConnectAsync(clientId, topic: null, qos: 2);
        Assert.Equal((6, a.Id), Describe(await ReadAsync(back))); // "a" is not sent again: its release is
        var resent = await ReadAsync(back);
        Assert.Equal((3, b.Id, "b", true), (resent.Type, resent.Id, resent.Payload, resent.Dup));

        await back.SendAsync(new MqttPubCompPacket { PacketIdentifier = a.Id });
        await back.SendAsync(new MqttPubRecPacket { PacketIdentifier = b.Id });
        Assert.Equal((6, b.Id), Describe(await ReadAsync(back)));
        await back.SendAsync(new MqttPubCompPacket { PacketIdentifier = b.Id });

        await publisher.PublishAsync(topic, "c", MqttQualityOfServiceLevel.ExactlyOnce);
        var next = await ReadAsync(back);
        Assert.Equal((3, "c", false), (next.Type, next.Payload, next.Dup)); // nothing of "a" or "b" comes a third time
    }

    private static (string ClientId, string Topic) Names() => ($"redeliver-{Guid.NewGuid():N}", $"redeliver/{Guid.NewGuid():N}");

    private static (int Type, ushort Id) Describe(Received packet) => (packet.Type, packet.Id);

    /// <summary>An MQTT 3.1.1 connection without a clean session; subscribes when given a topic.</summary>
    private async Task<RawMqttSocket> ConnectAsync(string clientId, string? topic, byte qos)
    {
        var socket = await RawMqttSocket.ConnectAsync(App.MqttPort);
        await socket.SendAsync(RawPackets.Connect(clientId, cleanSession: false));
        var connAck = await socket.ReadPacketAsync();
        Assert.Equal([0x20, 0x02, (byte)(topic is null ? 1 : 0), 0x00], connAck); // session present only when resumed
        if (topic is not null)
        {
            await socket.SendAsync(RawPackets.Subscribe(1, topic, qos));
            Assert.Equal(0x90, (await socket.ReadPacketAsync())[0]);
        }

        return socket;
    }

    private static async Task<Received> ReadAsync(RawMqttSocket socket)
    {
        var packet = await socket.ReadPacketAsync();
        var type = packet[0] >> 4;
        var at = 1;
        while ((packet[at] & 0x80) != 0)
        {
            at++;
        }

        at++; // past the remaining length
        if (type != 3)
        {
            return new Received(type, false, "", (ushort)(packet[at] << 8 | packet[at + 1]), "");
        }

        var topicLength = packet[at] << 8 | packet[at + 1];
        var topic = Encoding.UTF8.GetString(packet, at + 2, topicLength);
        at += 2 + topicLength;
        ushort id = 0;
        if ((packet[0] >> 1 & 3) > 0)
        {
            id = (ushort)(packet[at] << 8 | packet[at + 1]);
            at += 2;
        }

        return new Received(type, (packet[0] & 0x08) != 0, topic, id, Encoding.UTF8.GetString(packet, at, packet.Length - at));
    }
}
