using Microsoft.Extensions.Options;

namespace Dashboard.Broker.Auth;

/// <summary>Why a client may not publish to a topic (a PUBLISH or a Last Will).</summary>
internal enum PublishRefusal
{
    None,

    /// <summary>Longer than Broker:MaxTopicLength or deeper than MaxTopicLevels.</summary>
    TopicLimits,

    /// <summary>A <c>$</c> topic (<c>$SYS/…</c>, <c>$share/…</c>) or one of <see cref="BrokerOptions.ReservedTopicPrefixes"/>: only the broker and its host publish there.</summary>
    Reserved,

    /// <summary>The user's (or the anonymous) ACL does not grant it for writing.</summary>
    NotAuthorized,
}

/// <summary>
/// The rules every client publish is judged by, in one place, so a Last Will (which the broker sends on the
/// client's behalf, past MQTTnet's publish interception) meets the same ones as a PUBLISH. Allocation-free:
/// <see cref="IsReserved"/> and <see cref="WithinTopicLimits"/> run on every publish.
/// </summary>
internal sealed class PublishRules(IOptions<BrokerOptions> options, BrokerAuthorizer acl)
{
    // A copy taken once: the host fills the list before the broker starts, and the hot path must not see it change.
    private readonly string[] _reservedPrefixes = [.. options.Value.ReservedTopicPrefixes];
    private readonly int _maxTopicLength = options.Value.MaxTopicLength;
    private readonly int _maxTopicLevels = options.Value.MaxTopicLevels;

    /// <summary>
    /// A <c>$</c> topic or one under a reserved prefix (the prefix's own level included: <c>dashboard/alerts</c> as well as
    /// <c>dashboard/alerts/…</c>, which a <c>dashboard/alerts/#</c> subscriber gets both of): no client may publish there,
    /// whatever its ACL. One exception: <c>$SYS/broker/connection/{client id}/state</c>, where a Mosquitto bridge reports
    /// itself (1 when it connects, 0 as its Last Will) under the client id it connects with; refusing it would refuse the
    /// bridge's CONNECT. Another client's name there would be a forged bridge state.
    /// </summary>
    public bool IsReserved(string topic, string clientId)
    {
        if (topic.StartsWith('$'))
        {
            return !IsOwnBridgeState(topic, clientId);
        }

        foreach (var prefix in _reservedPrefixes)
        {
            if (topic.StartsWith(prefix, StringComparison.Ordinal)
                || (prefix.EndsWith('/') && topic.Length == prefix.Length - 1 && prefix.StartsWith(topic, StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Where Mosquitto bridges report their state: <c>$SYS/broker/connection/…</c>, retained by the bridges, not by the broker.</summary>
    public const string BridgeStatePrefix = "$SYS/broker/connection/";

    private static bool IsOwnBridgeState(string topic, string clientId)
    {
        const string Prefix = BridgeStatePrefix, Suffix = "/state";
        return clientId.Length > 0 && !clientId.Contains('/') && topic.Length == Prefix.Length + clientId.Length + Suffix.Length
            && topic.StartsWith(Prefix, StringComparison.Ordinal) && topic.EndsWith(Suffix, StringComparison.Ordinal)
            && topic.AsSpan(Prefix.Length, clientId.Length).SequenceEqual(clientId);
    }

    /// <summary>Within Broker:MaxTopicLength (UTF-8 bytes) and MaxTopicLevels; for topic names and filters alike.</summary>
    public bool WithinTopicLimits(string topic) =>
        System.Text.Encoding.UTF8.GetByteCount(topic) <= _maxTopicLength && topic.AsSpan().Count('/') < _maxTopicLevels;

    /// <summary>
    /// May a client authenticated as <paramref name="userName"/> (null: anonymous) publish to <paramref name="topic"/>
    /// as <paramref name="clientId"/>, by the ACL as it is now? The topic must already be a valid topic name.
    /// </summary>
    public PublishRefusal Check(string? userName, string clientId, string topic)
    {
        if (!WithinTopicLimits(topic))
        {
            return PublishRefusal.TopicLimits;
        }

        if (IsReserved(topic, clientId))
        {
            return PublishRefusal.Reserved;
        }

        return acl.Unrestricted || acl.CanPublish(userName, clientId, topic) ? PublishRefusal.None : PublishRefusal.NotAuthorized;
    }
}
