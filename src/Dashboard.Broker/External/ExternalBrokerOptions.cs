using System.Globalization;

namespace Dashboard.Broker.External;

/// <summary>Whether the dashboard runs its own broker or is a client of an existing one (<c>Broker:Mode</c>).</summary>
public enum BrokerMode
{
    /// <summary>The broker in this process: devices connect to the dashboard's own MQTT ports.</summary>
    Embedded,

    /// <summary>No broker here: the dashboard connects to <see cref="BrokerOptions.External"/> as a client.</summary>
    External,
}

/// <summary>The existing broker (or cluster) the dashboard connects to in <see cref="BrokerMode.External"/> (section <c>Broker:External</c>).</summary>
public sealed class ExternalBrokerOptions
{
    /// <summary>Host name or address of the broker; required in External mode.</summary>
    public string? Host { get; set; }

    public int Port { get; set; } = 1883;

    /// <summary>Connect with TLS (the broker's certificate is checked against the machine's trusted authorities).</summary>
    public bool UseTls { get; set; }

    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>
    /// The client id, which names the persistent session: stable across restarts, and different for every dashboard
    /// instance (two instances with one id would take each other's connection over). Empty: <c>dashboard-&lt;host name&gt;</c>.
    /// </summary>
    public string? ClientId { get; set; }

    /// <summary>The shared subscription group: instances with the same group split the messages between them.</summary>
    public string SharedGroup { get; set; } = "dashboard";

    /// <summary>Topic filters to ingest, each subscribed as <c>$share/&lt;group&gt;/&lt;filter&gt;</c> with QoS 1.</summary>
    public List<string> Topics { get; set; } = ["#"];

    /// <summary>
    /// How long the broker keeps the dashboard's session (its subscriptions and the QoS 1 messages it missed) while the
    /// dashboard is away: a restart within it misses nothing. Zero: no persistent session; a stopped instance's share of
    /// the messages goes to the others at once, and what arrives while none runs is lost.
    /// </summary>
    public TimeSpan SessionExpiry { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Read the broker's client connect/disconnect events (EMQX's <c>$SYS/brokers/+/clients/+/connected|disconnected</c>)
    /// as presence, like the embedded broker's own connections. Mosquitto publishes none.
    /// </summary>
    public bool ClientEvents { get; set; }

    /// <summary>
    /// Also subscribe plainly (not shared) to <see cref="Topics"/> on a second, clean connection, so this instance's live
    /// view, presence and alerts see every message and not only its share. Several instances need it; one alone does
    /// not (it would receive every message twice). Empty: on when <c>Redis:Configuration</c> is set (several instances).
    /// </summary>
    public bool? LiveView { get; set; }

    /// <summary>The client id in use: <see cref="ClientId"/>, or one made from the host name.</summary>
    public string EffectiveClientId => string.IsNullOrWhiteSpace(ClientId) ? "dashboard-" + Environment.MachineName.ToLowerInvariant() : ClientId;

    /// <summary>The broker as the UI and the logs name it.</summary>
    public string Address => $"{(UseTls ? "mqtts" : "mqtt")}://{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";
}
