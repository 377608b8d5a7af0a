namespace Dashboard.Broker.Auth;

/// <summary>What an ACL entry grants; <see cref="Deny"/> wins over any grant for the same topic.</summary>
public enum AclAccess
{
    Read,
    Write,
    ReadWrite,
    Deny,
}

/// <summary>One ACL line: a topic filter, where a whole level <c>%u</c> stands for the username and <c>%c</c> for the client id.</summary>
public sealed record AclEntry(string Filter, AclAccess Access);

/// <summary>
/// Mosquitto-like ACL checks. An empty list grants everything (so the first-run setup needs no rules);
/// otherwise a topic is allowed only when an entry grants it and no <see cref="AclAccess.Deny"/> entry matches it.
/// Matching walks the levels in place: no strings are built per check, as it runs on every delivery.
/// </summary>
internal static class Acl
{
    public const string UserLevel = "%u";
    public const string ClientLevel = "%c";

    public static bool CanPublish(IReadOnlyList<AclEntry> acl, string topic, string? user, string clientId) =>
        Allows(acl, topic, user, clientId, AclAccess.Write, subscribe: false);

    public static bool CanRead(IReadOnlyList<AclEntry> acl, string topic, string? user, string clientId) =>
        Allows(acl, topic, user, clientId, AclAccess.Read, subscribe: false);

    /// <summary>A subscription is allowed when a read entry covers every topic it could match and no deny entry covers it.</summary>
    public static bool CanSubscribe(IReadOnlyList<AclEntry> acl, string filter, string? user, string clientId) =>
        Allows(acl, filter, user, clientId, AclAccess.Read, subscribe: true);

    /// <summary>A substitution level must be the whole level (as in Mosquitto); anything else is taken literally and is refused by the API.</summary>
    public static bool HasPartialSubstitution(string filter)
    {
        foreach (var level in filter.Split('/'))
        {
            if (level != UserLevel && level != ClientLevel && (level.Contains(UserLevel, StringComparison.Ordinal) || level.Contains(ClientLevel, StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Allows(IReadOnlyList<AclEntry> acl, string topic, string? user, string clientId, AclAccess wanted, bool subscribe)
    {
        if (acl.Count == 0)
        {
            return true;
        }

        var granted = false;
        for (var i = 0; i < acl.Count; i++)
        {
            var entry = acl[i];
            var relevant = entry.Access == AclAccess.Deny || entry.Access == wanted || entry.Access == AclAccess.ReadWrite;
            if (!relevant || (granted && entry.Access != AclAccess.Deny))
            {
                continue;
            }

            var match = subscribe ? Covers(entry.Filter, topic, user, clientId) : Matches(entry.Filter, topic, user, clientId);
            if (match)
            {
                if (entry.Access == AclAccess.Deny)
                {
                    return false;
                }

                granted = true;
            }
        }

        return granted;
    }

    /// <summary>Does the rule filter match this topic name?</summary>
    public static bool Matches(string rule, string topic, string? user, string clientId)
    {
        if (topic.StartsWith('$') && rule.Length > 0 && rule[0] is '+' or '#')
        {
            return false; // wildcards at the first level do not match $SYS and other $ topics (MQTT §4.7.2)
        }

        var r = rule.AsSpan();
        var t = topic.AsSpan();
        while (true)
        {
            var ruleLevel = NextLevel(ref r, out var ruleMore);
            if (ruleLevel is "#")
            {
                return true;
            }

            var topicLevel = NextLevel(ref t, out var topicMore);
            if (!LevelMatches(ruleLevel, topicLevel, user, clientId))
            {
                return false;
            }

            if (!topicMore)
            {
                return !ruleMore || r is "#"; // "a/#" also matches "a"
            }

            if (!ruleMore)
            {
                return false;
            }
        }
    }

    /// <summary>Does every topic the subscription filter can match also match the rule filter?</summary>
    public static bool Covers(string rule, string filter, string? user, string clientId)
    {
        if (filter.StartsWith('$') && rule.Length > 0 && rule[0] is '+' or '#')
        {
            return false;
        }

        var r = rule.AsSpan();
        var f = filter.AsSpan();
        while (true)
        {
            var ruleLevel = NextLevel(ref r, out var ruleMore);
            if (ruleLevel is "#")
            {
                return true;
            }

            var filterLevel = NextLevel(ref f, out var filterMore);
            if (filterLevel is "#")
            {
                return false;
            }

            if (filterLevel is "+" ? ruleLevel is not "+" : !LevelMatches(ruleLevel, filterLevel, user, clientId))
            {
                return false;
            }

            if (!filterMore)
            {
                return !ruleMore || r is "#";
            }

            if (!ruleMore)
            {
                return false;
            }
        }
    }

    private static bool LevelMatches(ReadOnlySpan<char> rule, ReadOnlySpan<char> level, string? user, string clientId) => rule switch
    {
        "+" => true,
        UserLevel => IsSubstitutable(user) && level.SequenceEqual(user),
        ClientLevel => IsSubstitutable(clientId) && level.SequenceEqual(clientId),
        _ => rule.SequenceEqual(level),
    };

    // A username or client id with a wildcard or separator in it must not widen a rule (Mosquitto refuses those too).
    private static bool IsSubstitutable(string? value) => !string.IsNullOrEmpty(value) && value.AsSpan().IndexOfAny("+#/") < 0;

    private static ReadOnlySpan<char> NextLevel(ref ReadOnlySpan<char> rest, out bool more)
    {
        var slash = rest.IndexOf('/');
        if (slash < 0)
        {
            var last = rest;
            rest = [];
            more = false;
            return last;
        }

        var level = rest[..slash];
        rest = rest[(slash + 1)..];
        more = true;
        return level;
    }
}
