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
    /// A <c>$</c> topic or one under a reserved prefix: no client may publish there, whatever its ACL. One exception:
    /// <c>$SYS/broker/connection/{name}/state</c>, where a Mosquitto bridge reports itself (1 when it connects, 0 as its
    /// Last Will); refusing it would refuse the bridge's CONNECT.
    /// </summary>
    public bool IsReserved(string topic)
    {
        if (topic.StartsWith('$'))
        {
            return !IsBridgeState(topic);
        }

        foreach (var prefix in _reservedPrefixes)
        {
            if (topic.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsBridgeState(string topic)
    {
        const string Prefix = "$SYS/broker/connection/", Suffix = "/state";
        if (!topic.StartsWith(Prefix, StringComparison.Ordinal) || !topic.EndsWith(Suffix, StringComparison.Ordinal))
        {
            return false;
        }

        var name = topic.AsSpan(Prefix.Length, Math.Max(0, topic.Length - Prefix.Length - Suffix.Length));
        return name.Length > 0 && !name.Contains('/');
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

        if (IsReserved(topic))
        {
            return PublishRefusal.Reserved;
        }

        return acl.Unrestricted || acl.CanPublish(userName, clientId, topic) ? PublishRefusal.None : PublishRefusal.NotAuthorized;
    }
}
