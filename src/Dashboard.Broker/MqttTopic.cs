namespace Dashboard.Broker;

/// <summary>MQTT topic name and topic filter rules (MQTT 3.1.1 §4.7, MQTT 5 §4.7).</summary>
public static class MqttTopic
{
    /// <summary>A topic a message is published to: not empty, no wildcards, no NUL.</summary>
    public static bool IsValidTopicName(string? topic) =>
        !string.IsNullOrEmpty(topic) && topic.AsSpan().IndexOfAny('+', '#', '\0') < 0;

    /// <summary>A subscription filter: '+' fills a whole level, '#' only the whole last level.</summary>
    public static bool IsValidFilter(string? filter)
    {
        if (string.IsNullOrEmpty(filter) || filter.Contains('\0'))
        {
            return false;
        }

        var levels = filter.Split('/');
        for (var i = 0; i < levels.Length; i++)
        {
            var level = levels[i];
            if (level.Contains('#') && (level != "#" || i != levels.Length - 1))
            {
                return false;
            }

            if (level.Contains('+') && level != "+")
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Whether <paramref name="topic"/> matches the (valid) <paramref name="filter"/>: <c>+</c> is one whole level, a final
    /// <c>#</c> any number of levels (the parent included), and a wildcard first level never matches a <c>$</c> topic.
    /// </summary>
    public static bool Matches(string filter, string topic)
    {
        if (topic.StartsWith('$') && filter.Length > 0 && filter[0] is '+' or '#')
        {
            return false;
        }

        var f = filter.AsSpan();
        var t = topic.AsSpan();
        while (true)
        {
            var fEnd = f.IndexOf('/');
            var level = fEnd < 0 ? f : f[..fEnd];
            if (level is "#")
            {
                return true;
            }

            var tEnd = t.IndexOf('/');
            if (level is not "+" && !level.SequenceEqual(tEnd < 0 ? t : t[..tEnd]))
            {
                return false;
            }

            if (fEnd < 0 || tEnd < 0)
            {
                return fEnd < 0 ? tEnd < 0 : f[(fEnd + 1)..] is "#";
            }

            f = f[(fEnd + 1)..];
            t = t[(tEnd + 1)..];
        }
    }
}
