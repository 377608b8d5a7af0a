using Dashboard.Devices;
using Microsoft.AspNetCore.SignalR;

namespace Dashboard.Live;

/// <summary>
/// <c>/hubs/telemetry</c>: pushes what live state learns to external clients (the README shows a JavaScript
/// client). Server to client only: "readings" and "presence" messages, each a batch of at most one entry per
/// series or device every 100 ms.
/// </summary>
public sealed class TelemetryHub(TelemetryHubConnections connections) : Hub
{
    public override Task OnConnectedAsync()
    {
        connections.Opened();
        return base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        connections.Closed();
        return base.OnDisconnectedAsync(exception);
    }
}

/// <summary>How many hub clients are connected: with none, batches are not even serialized.</summary>
public sealed class TelemetryHubConnections
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public void Opened() => Interlocked.Increment(ref _count);

    public void Closed() => Interlocked.Decrement(ref _count);
}

/// <summary>Forwards live feed batches to the hub's clients.</summary>
internal sealed class TelemetryBroadcaster(
    LiveFeed feed,
    IHubContext<TelemetryHub> hub,
    TelemetryHubConnections connections,
    ILogger<TelemetryBroadcaster> logger) : IHostedService
{
    public sealed record ReadingMessage(string DeviceId, string Topic, string Metric, double Value, string? Unit, DateTimeOffset Time);

    public sealed record PresenceMessage(string DeviceId, string Status, DateTimeOffset Time, string? ClientId);

    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = feed.Subscribe(batch =>
        {
            if (connections.Count > 0)
            {
                _ = SendAsync(batch);
            }
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }

    private async Task SendAsync(LiveBatch batch)
    {
        try
        {
            var readings = batch.Changes.OfType<ReadingChanged>()
                .Select(r => new ReadingMessage(r.DeviceId, r.Topic, r.Metric, r.Value, r.Unit, r.Time)).ToList();
            var presence = batch.Changes.OfType<PresenceChanged>()
                .Select(p => new PresenceMessage(p.DeviceId, p.Status.ToWire(), p.Time, p.ClientId)).ToList();
            if (readings.Count > 0)
            {
                await hub.Clients.All.SendAsync("readings", readings);
            }

            if (presence.Count > 0)
            {
                await hub.Clients.All.SendAsync("presence", presence);
            }
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not push live changes to hub clients");
        }
    }
}
