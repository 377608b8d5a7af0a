using System.Buffers;
using Dashboard.Broker.Retained;
using MQTTnet;

namespace Dashboard.Broker.Admin;

/// <summary>A retained message as the admin's list shows it: <see cref="PayloadStart"/> holds at most <see cref="BrokerRetained.PreviewBytes"/>.</summary>
public sealed record RetainedMessageInfo(string Topic, long Size, int Qos, DateTimeOffset? Since, ReadOnlyMemory<byte> PayloadStart, string? ContentType);

/// <summary>
/// The retained messages for an admin: listed, and deleted the way a client deletes one, with an empty retained publish
/// per topic. So the deletion is stored like any other change, and subscribers see it as they would see a client's.
/// The broker's own <c>$</c> topics are neither listed nor deleted.
/// </summary>
public sealed class BrokerRetained
{
    public const int PreviewBytes = 256;

    private readonly BrokerServer _broker;
    private readonly RetainedStore _store;

    internal BrokerRetained(BrokerServer broker, RetainedStore store) => (_broker, _store) = (broker, store);

    /// <summary>
    /// Every retained message under a topic that does not start with <c>$</c>, and the states Mosquitto bridges retained
    /// under <c>$SYS/broker/connection/…</c> (a removed bridge's would otherwise stay forever), by topic.
    /// </summary>
    public async Task<IReadOnlyList<RetainedMessageInfo>> ListAsync()
    {
        if (!_broker.IsRunning)
        {
            return [];
        }

        var messages = await _broker.Server.GetRetainedMessagesAsync();
        return [.. messages.Where(m => !m.Topic.StartsWith('$') || m.Topic.StartsWith(Auth.PublishRules.BridgeStatePrefix, StringComparison.Ordinal)).OrderBy(m => m.Topic, StringComparer.Ordinal).Select(Describe)];
    }

    /// <summary>The topics with a retained message that <paramref name="filter"/> (a topic filter, or a topic) matches.</summary>
    public async Task<IReadOnlyList<string>> TopicsAsync(string filter) =>
        [.. (await ListAsync()).Select(m => m.Topic).Where(topic => Matches(topic, filter))];

    /// <summary>
    /// Deletes the retained messages <paramref name="filter"/> matches (<c>home/#</c>, a topic, or <c>#</c> for all), each
    /// with an empty retained publish made on behalf of <paramref name="publisher"/>; returns how many it deleted.
    /// </summary>
    public async Task<int> DeleteAsync(string filter, string publisher)
    {
        var topics = await TopicsAsync(filter);
        foreach (var topic in topics)
        {
            await _broker.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithRetainFlag().Build(), publisher);
        }

        return topics.Count;
    }

    private static bool Matches(string topic, string filter) =>
        MqttTopic.Matches(filter, topic);

    private RetainedMessageInfo Describe(MqttApplicationMessage message)
    {
        var payload = message.Payload;
        var start = payload.Length <= PreviewBytes ? payload.ToArray() : payload.Slice(0, PreviewBytes).ToArray();
        return new RetainedMessageInfo(message.Topic, payload.Length, (int)message.QualityOfServiceLevel,
            _store.Since(message.Topic) is { } since ? new DateTimeOffset(since, TimeSpan.Zero) : null, start, message.ContentType);
    }
}
