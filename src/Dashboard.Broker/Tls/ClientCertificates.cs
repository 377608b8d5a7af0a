using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Dashboard.Broker.Tls;

/// <summary>
/// Mosquitto's <c>require_certificate true</c> with a <c>cafile</c>: when <c>Broker:ClientCertificateAuthority</c> names a
/// CA certificate (PEM or DER), the MQTT TLS listeners ask every client for a certificate issued by it and end the
/// handshake of a client without one. Username/password and ACLs still apply on top.
/// </summary>
internal static class ClientCertificates
{
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    /// <summary>The authority to check client certificates against, or null when none is configured.</summary>
    public static X509Certificate2? Authority(IConfiguration configuration, string contentRoot)
    {
        const string Setting = $"{BrokerOptions.Section}:{nameof(BrokerOptions.ClientCertificateAuthority)}";
        if (configuration[Setting] is not { Length: > 0 } configured)
        {
            return null;
        }

        var path = Path.GetFullPath(configured, contentRoot);
        if (!File.Exists(path))
        {
            throw new TlsCertificateException($"TLS file '{path}' ({Setting}) does not exist.");
        }

        try
        {
            return X509CertificateLoader.LoadCertificateFromFile(path);
        }
        catch (CryptographicException ex)
        {
            throw new TlsCertificateException($"TLS file '{path}' ({Setting}) is not a certificate: {ex.Message}");
        }
    }

    public static void Require(HttpsConnectionAdapterOptions https, X509Certificate2 authority)
    {
        https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
        https.ClientCertificateValidation = (certificate, _, _) =>
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(authority);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck; // a private CA seldom publishes revocation lists
            chain.ChainPolicy.ApplicationPolicy.Add(ClientAuthentication);
            return chain.Build(certificate);
        };
    }
}
