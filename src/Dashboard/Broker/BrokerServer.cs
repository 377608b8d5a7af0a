using MQTTnet;
using MQTTnet.Server;

namespace Dashboard.Broker;

/// <summary>The running MQTTnet server, for the parts of the broker that act on it after start-up.</summary>
internal sealed class BrokerServer
{
    private MqttServer? _server;

    public MqttServer Server => _server ?? throw new InvalidOperationException("The broker has not started.");

    public bool IsStarted => _server?.IsStarted == true;

    public DateTimeOffset StartedAt { get; private set; }

    public void Attach(MqttServer server)
    {
        _server = server;
        StartedAt = DateTimeOffset.UtcNow;
    }

    /// <summary>The MQTTnet session of a client, or null when it has none.</summary>
    public MqttSessionStatus? FindSession(string clientId)
    {
        try
        {
            // Completes synchronously: MQTTnet looks the session up under a lock and wraps it.
            return Server.GetSessionAsync(clientId).GetAwaiter().GetResult();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    public async Task DeleteSessionAsync(string clientId)
    {
        if (FindSession(clientId) is { } session)
        {
            await session.DeleteAsync();
        }
    }

    /// <summary>Publishes as the broker, or on behalf of a client (a Last Will), through the same path as any publish.</summary>
    public Task PublishAsync(MqttApplicationMessage message, string? senderClientId = null, string? senderUserName = null) =>
        Server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message)
        {
            SenderClientId = senderClientId ?? "",
            SenderUserName = senderUserName,
        });
}
