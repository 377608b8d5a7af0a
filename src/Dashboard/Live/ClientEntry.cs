using Dashboard.Broker.Events;

namespace Dashboard.Live;

/// <summary>One MQTT client in live state and the devices it publishes for.</summary>
internal sealed class ClientEntry(ClientInfo info)
{
    public ClientInfo Info { get; set; } = info;
    public bool Connected { get; set; }
    public DateTimeOffset? DisconnectedAt { get; set; }
    public HashSet<string> Devices { get; } = new(StringComparer.Ordinal);

    public ClientSnapshot Snapshot() =>
        new(Info.ClientId, Connected, Info.RemoteAddress, Info.ProtocolVersion, Info.Transport, Info.ConnectedAt, DisconnectedAt);
}
