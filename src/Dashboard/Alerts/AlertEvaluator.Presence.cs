namespace Dashboard.Alerts;

// Presence: offline rules, raised when a device has stayed offline for the rule's duration.
public sealed partial class AlertEvaluator
{
    /// <summary>A device went online or offline at <paramref name="time"/>.</summary>
    public void OnPresence(string deviceId, bool online, DateTimeOffset time, List<AlertTransition> output)
    {
        foreach (var rule in _presenceRules)
        {
            if (!rule.MatchesTopic(deviceId))
            {
                continue;
            }

            var key = new SeriesKey(rule.Id, deviceId, "");
            _series.TryGetValue(key, out var series);
            if (online)
            {
                if (series is not null)
                {
                    Drop(key, series, time, null, "device online", output);
                }

                continue;
            }

            if (series is null && (series = Add(rule, key, time)) is not null)
            {
                RaiseIfDue(rule, key, series, time, output);
            }
        }
    }
}
