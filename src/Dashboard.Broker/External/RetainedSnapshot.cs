using Dashboard.Broker.Events;
using MQTTnet;
using MQTTnet.Protocol;

namespace Dashboard.Broker.External;

/// <summary>
/// The external broker's retained messages, read once at start through a short-lived plain subscription: MQTT 5 sends no
/// retained messages to shared subscriptions, and the dashboard needs them as the embedded broker replays its own at
/// start-up (last values, presence from retained status topics), as <see cref="BrokerEvent.Restored"/> events.
/// </summary>
internal static class RetainedSnapshot
{
    /// <summary>The broker sends retained messages right after SUBACK; this long without one ends the read.</summary>
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Longest = TimeSpan.FromSeconds(30);

    /// <returns>How many retained messages were read.</returns>
    public static async Task<int> ReadAsync(MqttClientFactory factory, MqttClientOptions options, IReadOnlyList<string> filters,
        IReadOnlyList<string> firstPrefixes, EventCopy copy, BrokerEventChannel events, TimeProvider clock, CancellationToken cancellationToken)
    {
        var read = new List<BrokerEvent>();
        using var arrived = new SemaphoreSlim(0);
        using var client = factory.CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e =>
        {
            if (e.ApplicationMessage.Retain) // a live publish on the same topics is not part of the snapshot
            {
                lock (read)
                {
                    // Copied now: the client's buffer is not the dashboard's to keep.
                    read.Add(ExternalBrokerClient.ToEvent(e.ApplicationMessage, clock.GetUtcNow(), restored: true, copy));
                }

                arrived.Release();
            }

            return Task.CompletedTask;
        };

        await ExternalBrokerClient.ConnectAsync(client, options, cancellationToken);
        var subscribe = factory.CreateSubscribeOptionsBuilder();
        foreach (var filter in filters)
        {
            subscribe = subscribe.WithTopicFilter(filter, MqttQualityOfServiceLevel.AtMostOnce);
        }

        await client.SubscribeAsync(subscribe.Build(), cancellationToken);
        using (var longest = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            longest.CancelAfter(Longest);
            try
            {
                while (await arrived.WaitAsync(Quiet, longest.Token))
                {
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Longest reached: take what came.
            }
        }

        await client.DisconnectAsync(cancellationToken: cancellationToken);
        BrokerEvent[] snapshot;
        lock (read)
        {
            snapshot = [.. read];
        }

        // Descriptions first (discovery configs), as the embedded broker replays them: see BrokerOptions.ReplayFirstTopicPrefixes.
        foreach (var retained in snapshot.OrderBy(e => firstPrefixes.Any(p => e.Topic!.StartsWith(p, StringComparison.Ordinal)) ? 0 : 1))
        {
            events.Publish(retained);
        }

        return snapshot.Length;
    }
}
