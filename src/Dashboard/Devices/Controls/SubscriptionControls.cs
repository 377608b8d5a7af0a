namespace Dashboard.Devices.Controls;

/// <summary>
/// What a device's own subscriptions say it obeys, as the tutorials' ESP32 does (subscribes to <c>home/led/set</c>, switches on
/// <c>ON</c> and off on anything else): a filter without wildcards whose last level is <c>set</c>, <c>command</c> or
/// <c>cmd</c> is a switch with <c>ON</c>/<c>OFF</c>. Its state is <c>&lt;base&gt;/state</c>, else <c>&lt;base&gt;</c> (the
/// topic without the suffix), whichever has been published; with neither, a command cannot be confirmed. ESPHome's own
/// <c>&lt;prefix&gt;/button/&lt;id&gt;/command</c> is a button (<c>PRESS</c>) and <c>…/number/&lt;id&gt;/command</c> a number.
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
            var levels = baseTopic.Split('/');
            var name = levels[^1];
            // ESPHome subscribes to its own <prefix>/<component>/<id>/command: a button takes PRESS, a number a number.
            var kind = levels.Length >= 3 && filter.EndsWith("/command", StringComparison.Ordinal) ? levels[^2] : null;
            yield return kind switch
            {
                "button" => new ControlDefinition(filter, name, ControlKind.Button, filter, "subscription"),
                "number" => new ControlDefinition(filter, name, ControlKind.Number, filter, "subscription") { StateTopic = state },
                _ => new ControlDefinition(filter, name, ControlKind.Switch, filter, "subscription") { StateTopic = state },
            };
        }
    }
}
