namespace Dashboard.Devices.Controls;

/// <summary>
/// What a device's own subscriptions say it obeys, as the tutorials' ESP32 does (subscribes to <c>home/led/set</c>, switches on
/// <c>ON</c> and off on anything else): a filter without wildcards whose last level is <c>set</c>, <c>command</c> or
/// <c>cmd</c> is a switch with <c>ON</c>/<c>OFF</c>. Its state is <c>&lt;base&gt;/state</c>, else <c>&lt;base&gt;</c> (the
/// topic without the suffix), whichever has been published; with neither, a command cannot be confirmed.
/// </summary>
public static class SubscriptionControls
{
    public static IEnumerable<ControlDefinition> From(IEnumerable<string> filters, Func<string, bool> published)
    {
        foreach (var filter in filters)
        {
            if (filter.StartsWith('$') || filter.Contains('+') || filter.Contains('#') || !DeviceResolver.IsCommandTopic(filter))
            {
                continue;
            }

            var cut = filter.LastIndexOf('/');
            if (cut <= 0)
            {
                continue;
            }

            var baseTopic = filter[..cut];
            var state = published(baseTopic + "/state") ? baseTopic + "/state" : published(baseTopic) ? baseTopic : null;
            yield return new ControlDefinition(filter, baseTopic[(baseTopic.LastIndexOf('/') + 1)..], ControlKind.Switch, filter, "subscription")
            {
                StateTopic = state,
            };
        }
    }
}
