using System.Globalization;
using Dashboard.Broker.Metrics;
using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.Broker;

/// <summary>A small packet limit and a short CONNECT timeout, so refusals come quickly.</summary>
public sealed class StrictAppFixture : IAsyncLifetime
{
    public const int MaxPacketSize = 4096;

    public DashboardApp App { get; private set; } = null!;

    public async Task InitializeAsync() => App = await DashboardApp.StartAsync(settings: new Dictionary<string, string?>
    {
        ["Broker:MaxPacketSize"] = MaxPacketSize.ToString(CultureInfo.InvariantCulture),
        ["Broker:ConnectTimeout"] = "00:00:03", // short, yet room for a first WebSocket handshake on a busy machine
    });

    public async Task DisposeAsync() => await App.DisposeAsync();
}

public sealed class BadInputTests(StrictAppFixture fixture) : IClassFixture<StrictAppFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(10);
    private readonly string _topic = $"good/{Guid.NewGuid():N}";
    private TestClient _good = null!;

    private DashboardApp App => fixture.App;

    public async Task InitializeAsync()
    {
        _good = await TestClient.ConnectAsync(App);
        await _good.SubscribeAsync(_topic, MqttQualityOfServiceLevel.AtLeastOnce);
    }

    public async Task DisposeAsync()
    {
        // Whatever the bad client did, a well-behaved one still round-trips.
        await _good.PublishAsync(_topic, "still fine", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal("still fine", (await _good.NextAsync()).Text());
        await _good.DisposeAsync();
    }

    [Fact]
    public async Task Random_bytes_are_dropped()
    {
        var random = new Random(1234);
        for (var i = 0; i < 20; i++)
        {
            var garbage = new byte[random.Next(1, 300)];
            random.NextBytes(garbage);
            await using var socket = await RawMqttSocket.ConnectAsync(App.MqttPort);
            await socket.SendAsync(garbage);
            Assert.True(await socket.ClosedByBrokerWithinAsync(Prompt), $"garbage #{i} left the connection open");
        }
    }

    [Fact]
    public async Task A_truncated_packet_is_dropped_after_the_connect_timeout()
    {
        await using var socket = await RawMqttSocket.ConnectAsync(App.MqttPort);
        var connect = RawPackets.Connect("truncated");
        await socket.SendAsync(connect[..(connect.Length / 2)]);

        Assert.True(await socket.ClosedByBrokerWithinAsync(Prompt));
    }

    [Fact]
    public async Task A_client_that_says_nothing_is_dropped_after_the_connect_timeout()
    {
        await using var socket = await RawMqttSocket.ConnectAsync(App.MqttPort);

        Assert.True(await socket.ClosedByBrokerWithinAsync(Prompt));
    }

    [Fact]
    public async Task An_MQTT_5_client_sending_a_packet_over_the_maximum_size_is_told_with_DISCONNECT_0x95()
    {
        await using var socket = await RawMqttSocket.ConnectAsync(App.MqttPort);
        await socket.SendAsync(new MqttConnectPacket { ClientId = "big-talker-5", CleanSession = true, KeepAlivePeriod = 30 }, MqttProtocolVersion.V500);
        Assert.Equal(0x20, (await socket.ReadPacketAsync())[0]);

        await socket.SendAsync(RawPackets.Header(0x30, 100_000_000));

        Assert.Equal(new byte[] { 0xE0, 0x01, 0x95 }, await socket.ReadPacketAsync()); // Packet too large
        Assert.True(await socket.ClosedByBrokerWithinAsync(Prompt));
    }

    [Fact]
    public async Task A_packet_over_the_maximum_size_is_refused_from_its_header()
    {
        var before = App.Services.GetRequiredService<BrokerMetrics>().PacketsTooLarge;
        await using var socket = await RawMqttSocket.ConnectAsync(App.MqttPort);
        await socket.SendAsync(RawPackets.Connect("big-talker"));
        Assert.Equal(new byte[] { 0x20, 0x02, 0x00, 0x00 }, await socket.ReadAsync(4));

        // Announce 100 MB and send only the header: the broker must not wait for (or buffer) the rest.
        await socket.SendAsync(RawPackets.Header(0x30, 100_000_000));

        Assert.True(await socket.ClosedByBrokerWithinAsync(Prompt));
        Assert.True(App.Services.GetRequiredService<BrokerMetrics>().PacketsTooLarge > before);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Publishing_over_the_maximum_size_closes_the_connection_and_just_under_it_works(bool webSocket)
    {
        await using var client = await TestClient.ConnectAsync(App, webSocket: webSocket);
        var topic = $"big/{Guid.NewGuid():N}";
        await client.SubscribeAsync(topic);
        var fits = new string('x', StrictAppFixture.MaxPacketSize - 100);
        await client.PublishAsync(topic, fits);
        Assert.Equal(fits.Length, (await client.NextAsync()).Payload.Length);

        var disconnected = new TaskCompletionSource();
        client.Client.DisconnectedAsync += _ =>
        {
            disconnected.TrySetResult();
            return Task.CompletedTask;
        };
        try
        {
            await client.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(new byte[StrictAppFixture.MaxPacketSize * 4]).Build());
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException)
        {
            // The broker may close the connection on the packet's header while the client is still writing the rest.
        }

        await disconnected.Task.WaitAsync(Prompt);
    }

    [Fact]
    public async Task A_malformed_remaining_length_is_dropped()
    {
        await using var socket = await RawMqttSocket.ConnectAsync(App.MqttPort);
        await socket.SendAsync(RawPackets.Connect("malformed"));
        await socket.ReadAsync(4);

        await socket.SendAsync([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]);

        Assert.True(await socket.ClosedByBrokerWithinAsync(Prompt));
    }

    [Fact]
    public async Task Publishing_to_a_wildcard_topic_closes_the_connection_and_delivers_nothing()
    {
        await using var socket = await RawMqttSocket.ConnectAsync(App.MqttPort);
        await socket.SendAsync(RawPackets.Connect("wildcard-publisher"));
        await socket.ReadAsync(4);

        await socket.SendAsync(RawPackets.Publish("good/+", "sneaky"u8.ToArray()));

        Assert.True(await socket.ClosedByBrokerWithinAsync(Prompt));
        Assert.True(await _good.NothingArrivesAsync(TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task A_packet_before_connect_is_dropped()
    {
        await using var socket = await RawMqttSocket.ConnectAsync(App.MqttPort);

        await socket.SendAsync(RawPackets.Publish(_topic, "no CONNECT first"u8.ToArray()));

        Assert.True(await socket.ClosedByBrokerWithinAsync(Prompt));
        Assert.True(await _good.NothingArrivesAsync(TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task An_unknown_protocol_level_gets_connack_unacceptable_protocol_version()
    {
        await using var socket = await RawMqttSocket.ConnectAsync(App.MqttPort);
        var connect = RawPackets.Connect("future");
        connect[8] = 9; // protocol level byte: after header (2) and "MQTT" (6)

        await socket.SendAsync(connect);

        Assert.Equal(new byte[] { 0x20, 0x02, 0x00, 0x01 }, await socket.ReadAsync(4));
        Assert.True(await socket.ClosedByBrokerWithinAsync(Prompt));
    }
}
