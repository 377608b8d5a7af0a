using Dashboard.Broker.Tls;

namespace Dashboard.Broker.Status;

/// <summary>A listener Kestrel opens, as a client would write its address (<c>mqtt://host:1883</c>).</summary>
public sealed record ListenerInfo(string Name, string Description, string Url)
{
    public int? Port => Uri.TryCreate(Url, UriKind.Absolute, out var uri) && uri.Port > 0 ? uri.Port : null;
}

/// <summary>
/// The listeners in <c>Kestrel:Endpoints</c> that open (the TLS ones only with a certificate; the MQTT ones not in External
/// mode), for the Overview and its connect help.
/// </summary>
public sealed class BrokerListeners(IConfiguration configuration)
{
    public const string Mqtt = "Mqtt";
    public const string MqttWebSockets = "MqttWebSockets";
    public const string MqttTls = TlsEndpoints.MqttTls;
    public const string MqttWebSocketsTls = TlsEndpoints.MqttWebSocketsTls;

    public IReadOnlyList<ListenerInfo> Open { get; } =
        [.. TlsEndpoints.Open(configuration.GetSection("Kestrel"))
            .Where(endpoint => !External.ExternalBrokerFeature.MqttEndpoints.Contains(endpoint.Key, StringComparer.OrdinalIgnoreCase)
                || configuration.GetValue(BrokerOptions.Section + ":Mode", External.BrokerMode.Embedded) == External.BrokerMode.Embedded)
            .Select(endpoint => new ListenerInfo(endpoint.Key, Describe(endpoint.Key), ClientUrl(endpoint.Key, endpoint["Url"] ?? "")))];

    public ListenerInfo? Find(string name) => Open.FirstOrDefault(l => l.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The address as a client would write it: Kestrel needs http:// even for raw MQTT.</summary>
    private static string ClientUrl(string name, string url)
    {
        var authority = url.Contains("://", StringComparison.Ordinal) ? url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..].TrimEnd('/') : url;
        return name switch
        {
            Mqtt => "mqtt://" + authority,
            MqttTls => "mqtts://" + authority,
            MqttWebSockets or MqttWebSocketsTls => (url.StartsWith("https", StringComparison.OrdinalIgnoreCase) ? "wss://" : "ws://") + authority + "/mqtt",
            _ => url,
        };
    }

    private static string Describe(string name) => name switch
    {
        "Http" => "Dashboard, HTTP API, SignalR",
        "Https" => "Dashboard over HTTPS",
        Mqtt => "MQTT over TCP (3.1, 3.1.1, 5.0)",
        MqttWebSockets => "MQTT over WebSockets, path /mqtt",
        MqttTls => "MQTT over TLS",
        MqttWebSocketsTls => "MQTT over secure WebSockets (wss), path /mqtt",
        _ => name,
    };
}
