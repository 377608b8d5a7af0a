using Dashboard.Broker;

namespace Dashboard.Controls;

/// <summary>What the publish panel and <c>POST /api/publish</c> refuse, in the words both show.</summary>
public static class PublishChecks
{
    public static string? Topic(string? topic) => topic switch
    {
        null or "" => "A topic is needed.",
        _ when topic.Contains('+') || topic.Contains('#') => "Wildcards (+, #) are for subscribing; publish to one topic.",
        _ when topic.StartsWith('$') => "Topics starting with $ are the broker's own.",
        _ when !MqttTopic.IsValidTopicName(topic) => "This is not a valid topic.",
        _ when System.Text.Encoding.UTF8.GetByteCount(topic) > ushort.MaxValue => "A topic is at most 65,535 bytes long (MQTT's limit).",
        _ => null,
    };

    /// <summary>As <see cref="Topic(string?)"/>, and within the broker's topic limits, which its clients' publishes meet too.</summary>
    public static string? Topic(string? topic, BrokerOptions broker) => Topic(topic) ?? (topic!, System.Text.Encoding.UTF8.GetByteCount(topic!)) switch
    {
        (_, var bytes) when bytes > broker.MaxTopicLength => $"This topic is {bytes:N0} bytes long; the broker takes at most {broker.MaxTopicLength:N0} (Broker:MaxTopicLength).",
        var (name, _) when name.AsSpan().Count('/') >= broker.MaxTopicLevels => $"This topic has more than {broker.MaxTopicLevels} levels, the broker's limit (Broker:MaxTopicLevels).",
        _ => null,
    };

    public static string? Qos(int? qos) => qos is null or (>= 0 and <= 2) ? null : "QoS is 0, 1 or 2.";

    /// <summary>Who the broker names as the publisher of what a signed-in user or an API key sends.</summary>
    public static string Publisher(System.Security.Claims.ClaimsPrincipal user) => $"this dashboard ({user.Identity?.Name})";
}
