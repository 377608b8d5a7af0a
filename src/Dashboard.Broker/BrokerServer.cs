using MQTTnet;
using MQTTnet.Server;

namespace Dashboard.Broker;

/// <summary>Publishes into the broker as the broker itself (the dashboard's publish panel, alert notices).</summary>
public interface IBrokerPublisher
{
    bool IsRunning { get; }

    /// <summary>
    /// Delivered and retained exactly as a client's publish would be; throws when the broker is not running.
    /// <paramref name="publisher"/> says who asked for it ("this dashboard (alice)"): there is no client, so the
    /// <see cref="Events.BrokerEvent"/> carries it as <see cref="Events.BrokerEvent.Publisher"/>.
    /// </summary>
    Task PublishAsync(MqttApplicationMessage message, string publisher);
}

/// <summary>The running MQTTnet server, for the parts of the broker that act on it after start-up.</summary>
internal sealed class BrokerServer(TimeProvider clock) : IBrokerPublisher
{
    private MqttServer? _server;

    public MqttServer Server => _server ?? throw new InvalidOperationException("The broker has not started.");

    public bool IsRunning => _server?.IsStarted == true;

    public DateTimeOffset StartedAt { get; private set; }

    public void Attach(MqttServer server)
    {
        _server = server;
        StartedAt = clock.GetUtcNow();
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

    public Task PublishAsync(MqttApplicationMessage message) => PublishAsync(message, null, null);

    // Without a client id, MQTTnet's user name of the publish is free to carry who asked for it (read back in BrokerHost).
    public Task PublishAsync(MqttApplicationMessage message, string publisher) => PublishAsync(message, null, publisher);

    /// <summary>Publishes as the broker, or on behalf of a client (a Last Will), through the same path as any publish.</summary>
    public Task PublishAsync(MqttApplicationMessage message, string? senderClientId, string? senderUserName) =>
        Server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message)
        {
            SenderClientId = senderClientId ?? "",
            SenderUserName = senderUserName,
        });
}
