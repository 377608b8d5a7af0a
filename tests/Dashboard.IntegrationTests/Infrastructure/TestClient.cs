using System.Text;
using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Diagnostics.PacketInspection;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.Infrastructure;

/// <summary>An MQTTnet client on a real socket (TCP or WebSocket) that records what it receives.</summary>
public sealed class TestClient : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static readonly MqttClientFactory Factory = new();
    private readonly Channel<MqttApplicationMessage> _received = Channel.CreateUnbounded<MqttApplicationMessage>();

    private TestClient(IMqttClient client)
    {
        Client = client;
        client.ApplicationMessageReceivedAsync += e =>
        {
            _received.Writer.TryWrite(e.ApplicationMessage);
            return Task.CompletedTask;
        };
    }

    public IMqttClient Client { get; }

    public MqttClientConnectResult? ConnectResult { get; private set; }

    public static MqttClientOptionsBuilder Options(DashboardApp app, string? clientId = null, bool webSocket = false,
        MqttProtocolVersion version = MqttProtocolVersion.V311)
    {
        var builder = Factory.CreateClientOptionsBuilder()
            .WithProtocolVersion(version)
            .WithTimeout(Patience);
        builder = webSocket
            ? builder.WithWebSocketServer(o => o.WithUri(app.WebSocketUri.ToString()))
            : builder.WithTcpServer("127.0.0.1", app.MqttPort);
        return builder.WithClientId(clientId ?? "test-" + Guid.NewGuid().ToString("N")[..8]);
    }

    /// <summary>Options for a broker on this machine that is not a <see cref="DashboardApp"/> (an <see cref="AppProcess"/>).</summary>
    public static MqttClientOptionsBuilder Options(int mqttPort, string clientId) =>
        Factory.CreateClientOptionsBuilder().WithProtocolVersion(MqttProtocolVersion.V311).WithTimeout(Patience)
            .WithTcpServer("127.0.0.1", mqttPort).WithClientId(clientId);

    public static async Task<TestClient> ConnectAsync(DashboardApp app, string? clientId = null, bool webSocket = false,
        MqttProtocolVersion version = MqttProtocolVersion.V311) =>
        await ConnectAsync(Options(app, clientId, webSocket, version).Build());

    public static async Task<TestClient> ConnectAsync(MqttClientOptions options, Action<MqttPacketFlowDirection, byte[]>? onPacket = null)
    {
        var client = new TestClient(Factory.CreateMqttClient());
        if (onPacket is not null)
        {
            client.Client.InspectPacketAsync += e =>
            {
                onPacket(e.Direction, e.Buffer);
                return Task.CompletedTask;
            };
        }

        using var timeout = new CancellationTokenSource(Patience);
        client.ConnectResult = await client.Client.ConnectAsync(options, timeout.Token);
        return client;
    }

    public async Task<MqttClientSubscribeResult> SubscribeAsync(string filter, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtMostOnce)
    {
        using var timeout = new CancellationTokenSource(Patience);
        return await Client.SubscribeAsync(Factory.CreateSubscribeOptionsBuilder().WithTopicFilter(filter, qos).Build(), timeout.Token);
    }

    public async Task<MqttClientPublishResult> PublishAsync(string topic, string payload,
        MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtMostOnce, bool retain = false)
    {
        using var timeout = new CancellationTokenSource(Patience);
        return await Client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(qos)
            .WithRetainFlag(retain)
            .Build(), timeout.Token);
    }

    /// <summary>The next message received, waiting up to <see cref="Patience"/>.</summary>
    public async Task<MqttApplicationMessage> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Patience);
        try
        {
            return await _received.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No message arrived within {(timeout ?? Patience).TotalSeconds} s.");
        }
    }

    /// <summary>The next message on <paramref name="topic"/>, skipping others.</summary>
    public async Task<MqttApplicationMessage> NextOnAsync(string topic, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Patience);
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"No message on {topic} arrived in time.");
            }

            var message = await NextAsync(left);
            if (message.Topic == topic)
            {
                return message;
            }
        }
    }

    /// <summary>True when nothing arrives for <paramref name="quiet"/>; used to show a message was NOT delivered.</summary>
    public async Task<bool> NothingArrivesAsync(TimeSpan quiet)
    {
        using var cts = new CancellationTokenSource(quiet);
        try
        {
            await _received.Reader.WaitToReadAsync(cts.Token);
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    /// <summary>Completes with the reason when this connection ends; ask before causing it.</summary>
    public Task<MqttClientDisconnectReason> Disconnection()
    {
        var disconnected = new TaskCompletionSource<MqttClientDisconnectReason>(TaskCreationOptions.RunContinuationsAsynchronously);
        Client.DisconnectedAsync += e =>
        {
            disconnected.TrySetResult(e.Reason);
            return Task.CompletedTask;
        };
        return disconnected.Task;
    }

    public async Task DisconnectAsync()
    {
        if (Client.IsConnected)
        {
            await Client.DisconnectAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await DisconnectAsync();
        }
        catch (Exception)
        {
            // already gone
        }

        Client.Dispose();
    }
}

public static class MessageExtensions
{
    public static string Text(this MqttApplicationMessage message) => Encoding.UTF8.GetString(message.Payload);
}
