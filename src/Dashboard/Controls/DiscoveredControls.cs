using Dashboard.Devices.Controls;
using Dashboard.Ingestion;

namespace Dashboard.Controls;

/// <summary>
/// The controls discovery configs declared, by device: fed on ingestion's thread from <see cref="IngestedEvent.Controls"/> (a
/// config parsed once, by the convention), read by pages and the API.
/// </summary>
public sealed class DiscoveredControls : IBrokerEventSink
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, DeclaredControls> _bySource = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<ControlDefinition>> _byDevice = new(StringComparer.Ordinal);

    public void Handle(in IngestedEvent ingested)
    {
        if (ingested.Controls is not { } declared || !ingested.Event.IsForLiveView)
        {
            return;
        }

        lock (_lock)
        {
            if (_bySource.Remove(declared.Source, out var old))
            {
                foreach (var (deviceId, control) in old.Controls)
                {
                    if (_byDevice.TryGetValue(deviceId, out var list) && list.Remove(control) && list.Count == 0)
                    {
                        _byDevice.Remove(deviceId);
                    }
                }
            }

            if (declared.Controls.Count == 0)
            {
                return;
            }

            _bySource[declared.Source] = declared;
            foreach (var (deviceId, control) in declared.Controls)
            {
                if (!_byDevice.TryGetValue(deviceId, out var list))
                {
                    _byDevice[deviceId] = list = [];
                }

                list.Add(control);
            }
        }
    }

    public IReadOnlyList<ControlDefinition> Of(string deviceId)
    {
        lock (_lock)
        {
            return _byDevice.TryGetValue(deviceId, out var list) ? [.. list] : [];
        }
    }
}
