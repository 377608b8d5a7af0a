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
}
