using Dashboard.Broker;
using Dashboard.Broker.Events;
using Dashboard.Devices;
using Dashboard.Devices.Conventions;
using Microsoft.Extensions.Options;
using MQTTnet;

namespace Dashboard.Ingestion;

/// <summary>
/// Drains the broker's event channel, reads each publish once (presence or readings, and the device they belong to)
/// and hands it to every <see cref="IBrokerEventSink"/>.
/// </summary>
internal sealed class IngestionService(
    BrokerEventChannel channel,
    PresenceParser presence,
    DeviceConventions conventions,
    IBrokerPublisher publisher,
    IEnumerable<IBrokerEventSink> sinks,
    IngestionStats stats,
    IOptions<IngestionOptions> options,
    ILogger<IngestionService> logger) : BackgroundService
{
    private readonly IBrokerEventSink[] _sinks = [.. sinks];
    private readonly string[] _ownTopicPrefixes = [.. options.Value.OwnTopicPrefixes];
    private readonly string[] _ownPublishers = [.. options.Value.OwnPublishers];
    private readonly DeviceResolver _devices = new(options.Value.MaxStatusDevices);
    private readonly LogLimiter _errorLog = new(TimeSpan.FromSeconds(10));
    private readonly LogLimiter _capLog = new(TimeSpan.FromSeconds(30));
    private readonly LogLimiter _timeLog = new(TimeSpan.FromSeconds(30));
    private readonly TimeSpan _payloadTimeWindow = options.Value.PayloadTimeWindow;
    private long _reportedStatusDevicesDropped;

    private static readonly TimeSpan DrainAtShutdown = TimeSpan.FromSeconds(3);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await channel.WaitToReadAsync(stoppingToken))
            {
                while (!stoppingToken.IsCancellationRequested && channel.TryRead(out var brokerEvent))
                {
                    Dispatch(brokerEvent);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        // At shutdown, what the broker already accepted still reaches history, for a few seconds at most: a backlog of
        // Ingestion:ChannelCapacity events in a storm must not hold SIGTERM past the host's shutdown timeout.
        var deadline = Environment.TickCount64 + (long)DrainAtShutdown.TotalMilliseconds;
        while (Environment.TickCount64 < deadline && channel.TryRead(out var left))
        {
            Dispatch(left);
        }

        if (channel.Count > 0)
        {
            logger.LogWarning("Stopped with {Count} broker events not ingested (shutdown)", channel.Count);
        }
    }

    /// <summary>Publishes what a convention asked for (a Sparkplug rebirth request), QoS 0 and not retained, as the specification sends commands.</summary>
    private async Task SendAsync(ConventionRequest request)
    {
        try
        {
            await publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(request.Topic).WithPayload(request.Payload).Build(), "dashboard (Sparkplug host)");
            logger.LogInformation("Published {Topic}: {Reason}", request.Topic, request.Reason);
        }
        catch (Exception ex)
        {
            if (_errorLog.ShouldLog())
            {
                logger.LogWarning(ex, "Could not publish {Topic} ({Reason})", request.Topic, request.Reason);
            }
        }
    }

    private void Dispatch(in BrokerEvent brokerEvent)
    {
        var ingested = IngestedEvent.From(brokerEvent, presence, _devices, _ownTopicPrefixes, conventions, _ownPublishers);
        if (ingested.Request is { } request && brokerEvent.IsForStorage) // once, by the instance whose share it is
        {
            _ = SendAsync(request); // never waited for here: the broker delivers it while ingestion reads on
        }

        if (ingested.WithoutPayloadTimeBeyond(_payloadTimeWindow) is { } atArrival)
        {
            var ignored = stats.PayloadTimeIgnored();
            if (_timeLog.ShouldLog())
            {
                logger.LogWarning("A payload on {Topic} says it is from {PayloadTime:o}, further than Ingestion:PayloadTimeWindow ({Window}) from its arrival: its readings are stored at the arrival time (a device clock not set?). {Count} such payloads so far",
                    brokerEvent.Topic, ingested.Payload!.Time, _payloadTimeWindow, ignored);
            }

            ingested = atArrival;
        }

        if (_devices.StatusDevicesDropped != _reportedStatusDevicesDropped && _capLog.ShouldLog())
        {
            _reportedStatusDevicesDropped = _devices.StatusDevicesDropped;
            logger.LogWarning("Ingestion knows its maximum of {Cap} devices with a status topic (Ingestion:MaxStatusDevices); {Dropped} reports of further ones were not remembered so far",
                _devices.StatusDevices, _reportedStatusDevicesDropped);
        }

        foreach (var sink in _sinks)
        {
            try
            {
                sink.Handle(ingested);
            }
            catch (Exception ex)
            {
                if (_errorLog.ShouldLog())
                {
                    logger.LogError(ex, "{Sink} failed on a {Kind} event for {Topic}", sink.GetType().Name, brokerEvent.Kind, brokerEvent.Topic);
                }
            }
        }
    }
}
