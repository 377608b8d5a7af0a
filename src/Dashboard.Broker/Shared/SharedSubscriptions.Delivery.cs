using MQTTnet;
using MQTTnet.Protocol;

namespace Dashboard.Broker.Shared;

/// <summary>Each matching message to one member of each group, in turn: connected members first, else queued for an offline persistent one.</summary>
internal sealed partial class SharedSubscriptions
{
    /// <summary>
    /// Gives a published message to one member of each shared group whose filter matches it; true when a group did.
    /// <paramref name="stored"/> is true when a persistent session now owes it (its publisher's acknowledgement waits for the write).
    /// </summary>
    public bool Deliver(MqttApplicationMessage message, out bool stored)
    {
        var groups = _groups;
        var matched = false;
        stored = false;
        foreach (var group in groups)
        {
            if (!group.Members.IsEmpty && MqttTopic.Matches(group.Filter, message.Topic))
            {
                matched = true;
                stored |= DeliverToOne(group, message);
            }
        }

        return matched;
    }

    private bool DeliverToOne(Group group, MqttApplicationMessage message)
    {
        var members = group.Members;
        if (members.IsEmpty)
        {
            return false;
        }

        var start = (int)((uint)Interlocked.Increment(ref group.Next) % (uint)members.Length);
        var checkAcl = !acl.Unrestricted;
        for (var i = 0; i < members.Length; i++)
        {
            var member = members[(start + i) % members.Length];
            if (checkAcl && !acl.CanRead(member.ClientId, message.Topic))
            {
                continue; // a deny entry (or an ACL changed since subscribing) keeps it from this member
            }

            if (connections.TryGet(member.ClientId, out var connection) && broker.FindSession(member.ClientId) is { } session)
            {
                var qos = Min(member.Qos, message.QualityOfServiceLevel);
                if (packetSizes.Refuses(connection, message, qos, member.Identifiers))
                {
                    return false; // larger than the Maximum Packet Size this member set: dropped for it, and counted
                }

                var copy = message.CopyFor(qos, retain: false, member.Identifiers);
                var stored = sessions.TrackInFlight(member.ClientId, copy);
                if (!session.TryEnqueueApplicationMessage(copy, out _))
                {
                    metrics.MessageDropped();
                    sessions.Dropped(member.ClientId, copy);
                    return false;
                }

                return stored;
            }
        }

        // Nobody connected: queue it for an offline persistent member.
        for (var i = 0; i < members.Length; i++)
        {
            var member = members[(start + i) % members.Length];
            if ((!checkAcl || acl.CanRead(member.ClientId, message.Topic)) && sessions.TryGet(member.ClientId, out var record))
            {
                return sessions.EnqueueOffline(record, message, Min(member.Qos, message.QualityOfServiceLevel), member.Identifiers);
            }
        }

        return false;
    }

    private static MqttQualityOfServiceLevel Min(MqttQualityOfServiceLevel a, MqttQualityOfServiceLevel b) => a < b ? a : b;
}
