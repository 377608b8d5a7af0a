using Dashboard.Broker.Subscriptions;
using Dashboard.Devices;
using Dashboard.Devices.Controls;
using Dashboard.Live;
using Microsoft.Extensions.Options;

namespace Dashboard.Controls;

/// <summary>A control of a device as shown: its definition (an admin's changes applied) and its state now, if known.</summary>
public sealed record DeviceControl(ControlDefinition Definition, string? State, DateTimeOffset? StateTime, bool Hidden);

/// <summary>
/// A device's controls, put together when asked (they change rarely; nothing is kept but what discovery declared): discovery
/// first, then the firmware conventions from its series, then its client's own subscriptions (README, "Controls"); the first
/// source of an id wins. An admin's changes (<see cref="ControlOverrides"/>) apply on top, and the state comes from live state.
/// </summary>
public sealed class ControlCatalog(
    DiscoveredControls discovered, LiveState live, BrokerSubscriptions subscriptions, ControlOverrides overrides, IOptions<DevicesOptions> devices)
{
    /// <summary>Null when no such device is known.</summary>
    public IReadOnlyList<DeviceControl>? For(string deviceId, bool includeHidden = false) =>
        live.Device(deviceId) is { } device ? For(device, includeHidden) : null;

    public IReadOnlyList<DeviceControl> For(DeviceSnapshot device, bool includeHidden = false)
    {
        var found = new Dictionary<string, ControlDefinition>(StringComparer.Ordinal);
        var order = new List<string>();
        void Add(IEnumerable<ControlDefinition> controls)
        {
            foreach (var control in controls)
            {
                if (found.TryAdd(control.Id, control))
                {
                    order.Add(control.Id);
                }
            }
        }

        Add(discovered.Of(device.Id));
        Add(FirmwareControls.From(device.Id, device.Metrics.Select(m => (m.Topic, m.Metric)), devices.Value.Zigbee2MqttBaseTopics));
        if (device.ClientId is { } clientId)
        {
            Add(SubscriptionControls.From(subscriptions.Of(clientId), topic => live.Topic(topic) is not null));
        }

        var result = new List<DeviceControl>(order.Count);
        foreach (var id in order)
        {
            var (control, hidden) = overrides.Apply(device.Id, found[id]);
            if (hidden && !includeHidden)
            {
                continue;
            }

            var state = control.StateTopic is { } topic && live.Topic(topic) is { } detail ? detail : null;
            result.Add(new DeviceControl(control, state is null ? null : ControlState.Read(control, state.Payload), state?.Summary.LastReceived, hidden));
        }

        return result;
    }

    public DeviceControl? Find(string deviceId, string controlId) =>
        For(deviceId, includeHidden: true)?.FirstOrDefault(c => c.Definition.Id == controlId);
}
