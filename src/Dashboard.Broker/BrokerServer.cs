using System.Buffers;
using System.Runtime.CompilerServices;
using Dashboard.Broker.Tracking;
using MQTTnet;
using MQTTnet.Server;
using MQTTnet.Server.Internal;

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

    /// <summary>
    /// Publishes as <see cref="PublishAsync"/> does and follows the message to each session it is delivered to: queued for an
    /// offline persistent session, sent, acknowledged (PUBACK/PUBCOMP). Returns once the broker has decided every session's
    /// delivery (<see cref="TrackedPublish.Dispatched"/>); what follows arrives as it happens. Dispose the result.
    /// </summary>
    Task<TrackedPublish> PublishTrackedAsync(MqttApplicationMessage message, string publisher, CancellationToken cancellationToken);
}

/// <summary>The running MQTTnet server, for the parts of the broker that act on it after start-up.</summary>
internal sealed class BrokerServer(TimeProvider clock, PublishTracker tracker) : IBrokerPublisher
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

    /// <summary>MQTTnet's session itself: its checks of a subscription and its queue are not on the wrapper.</summary>
    public MqttSession? FindMqttSession(string clientId) => FindSession(clientId) is { } status ? SessionField(status) : null;

    /// <summary>MQTTnet's session behind the wrapper its events carry.</summary>
    public static MqttSession MqttSessionOf(MqttSessionStatus status) => SessionField(status);

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

    public async Task<TrackedPublish> PublishTrackedAsync(MqttApplicationMessage message, string publisher, CancellationToken cancellationToken)
    {
        // A buffer of its own, whatever the caller passed: it is what every delivery and acknowledgement is recognised by.
        var payload = message.Payload.ToArray();
        message.Payload = new ReadOnlySequence<byte>(payload);
        var tracked = tracker.Start(payload);
        try
        {
            await Server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message) { SenderClientId = "", SenderUserName = publisher }, cancellationToken);
        }
        catch
        {
            tracked.Dispose();
            throw;
        }

        tracked.MarkDispatched();
        return tracked;
    }

    /// <summary>Publishes as the broker, or on behalf of a client (a Last Will), through the same path as any publish.</summary>
    public Task PublishAsync(MqttApplicationMessage message, string? senderClientId, string? senderUserName) =>
        Server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message)
        {
            SenderClientId = senderClientId ?? "",
            SenderUserName = senderUserName,
        });

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_session")]
    private static extern ref MqttSession SessionField(MqttSessionStatus status);
}
