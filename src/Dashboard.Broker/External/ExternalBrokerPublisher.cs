using Dashboard.Broker.Tracking;
using MQTTnet;
using MQTTnet.Protocol;

namespace Dashboard.Broker.External;

/// <summary>
/// <see cref="IBrokerPublisher"/> in External mode: publishes through the dashboard's connection to the external broker.
/// A tracked publish can follow the message only as far as a client sees it: one delivery, to the external broker,
/// acknowledged by its PUBACK (PUBCOMP at QoS 2; written, at QoS 0), or refused with its reason code. Which devices then
/// receive it, the broker alone knows.
/// </summary>
internal sealed class ExternalBrokerPublisher(ExternalBrokerClient client, Metrics.BrokerMetrics metrics, TimeProvider clock, ILogger<ExternalBrokerPublisher> logger)
    : IBrokerPublisher
{
    public bool IsRunning => client.State.Connected;

    /// <summary>The one "session" a tracked publish reports: the broker, named so a reader sees the answer is the broker's, not a device's.</summary>
    public string DeliveryName => "external broker " + client.State.Address;

    public async Task PublishAsync(MqttApplicationMessage message, string publisher)
    {
        var result = await SendAsync(message, publisher, CancellationToken.None);
        if (!Accepted(result))
        {
            throw new InvalidOperationException($"The {DeliveryName} refused the publish to {message.Topic}: {result.ReasonCode} {result.ReasonString}".TrimEnd());
        }
    }

    public async Task<TrackedPublish> PublishTrackedAsync(MqttApplicationMessage message, string publisher, CancellationToken cancellationToken)
    {
        var tracked = new TrackedPublish(new object(), clock, _ => { }, logger);
        var qos = message.QualityOfServiceLevel;
        try
        {
            tracked.Update(DeliveryName, DeliveryState.Pending, qos);
            var result = await SendAsync(message, publisher, cancellationToken);
            var state = !Accepted(result) ? DeliveryState.Refused : qos == MqttQualityOfServiceLevel.AtMostOnce ? DeliveryState.Sent : DeliveryState.Acknowledged;
            tracked.Update(DeliveryName, state, qos);
        }
        catch
        {
            tracked.Dispose();
            throw;
        }

        tracked.MarkDispatched();
        return tracked;
    }

    // 0x10 "no matching subscribers" is a success: the broker took the message; only codes from 0x80 are refusals.
    private static bool Accepted(MqttClientPublishResult result) => (int)result.ReasonCode < 0x80;

    private Task<MqttClientPublishResult> SendAsync(MqttApplicationMessage message, string publisher, CancellationToken cancellationToken)
    {
        var connection = client.Connection ?? throw new InvalidOperationException($"Not connected to the {DeliveryName}: {client.State.Problem}");
        PublisherTag.Add(message, publisher);
        metrics.MessageSent();
        return connection.PublishAsync(message, cancellationToken);
    }
}
