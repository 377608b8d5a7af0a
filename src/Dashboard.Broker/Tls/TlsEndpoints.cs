namespace Dashboard.Broker.Tls;

/// <summary>
/// The optional TLS listeners (<c>MqttTls</c>, <c>MqttWebSocketsTls</c>, <c>Https</c>): they sit in appsettings.json
/// with their ports, but open only when a certificate is configured, either Kestrel's default
/// (<c>Kestrel:Certificates:Default</c>) or the endpoint's own (<c>Kestrel:Endpoints:&lt;name&gt;:Certificate</c>).
/// Without one they are left out of Kestrel's configuration, so a first run never reaches for the
/// ASP.NET development certificate.
/// </summary>
internal static class TlsEndpoints
{
    public const string MqttTls = "MqttTls";
    public const string MqttWebSocketsTls = "MqttWebSocketsTls";
    public const string Https = "Https";

    private static readonly string[] Names = [MqttTls, MqttWebSocketsTls, Https];

    /// <summary>The optional TLS endpoints in <paramref name="kestrel"/> that have no certificate, so stay closed.</summary>
    public static IReadOnlyList<string> Closed(IConfiguration kestrel) =>
        [.. Names.Where(name => kestrel.GetSection($"Endpoints:{name}").Exists() && Certificate(kestrel, name) is null)];

    /// <summary>The endpoints Kestrel will open, in configuration order.</summary>
    public static IEnumerable<IConfigurationSection> Open(IConfiguration kestrel)
    {
        var closed = Closed(kestrel);
        return kestrel.GetSection("Endpoints").GetChildren().Where(e => !closed.Contains(e.Key, StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>A copy of <paramref name="kestrel"/> without the endpoints in <paramref name="closed"/>.</summary>
    public static IConfiguration Without(IConfiguration kestrel, IReadOnlyList<string> closed)
    {
        if (closed.Count == 0)
        {
            return kestrel;
        }

        var kept = kestrel.AsEnumerable(makePathsRelative: true)
            .Where(setting => !closed.Any(name => IsUnder(setting.Key, $"Endpoints:{name}")));
        return new ConfigurationBuilder().AddInMemoryCollection(kept).Build();
    }

    /// <summary>The certificate section an endpoint would use, or null when it has none.</summary>
    public static (IConfigurationSection Section, string Key)? Certificate(IConfiguration kestrel, string endpoint)
    {
        var own = kestrel.GetSection($"Endpoints:{endpoint}:Certificate");
        if (IsConfigured(own))
        {
            return (own, $"Kestrel:Endpoints:{endpoint}:Certificate");
        }

        var fallback = kestrel.GetSection("Certificates:Default");
        return IsConfigured(fallback) ? (fallback, "Kestrel:Certificates:Default") : null;
    }

    private static bool IsConfigured(IConfigurationSection certificate) =>
        !string.IsNullOrWhiteSpace(certificate["Path"]) || !string.IsNullOrWhiteSpace(certificate["Subject"]);

    private static bool IsUnder(string key, string section) =>
        key.Equals(section, StringComparison.OrdinalIgnoreCase) || key.StartsWith(section + ":", StringComparison.OrdinalIgnoreCase);
}
