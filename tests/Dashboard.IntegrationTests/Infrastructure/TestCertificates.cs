using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Dashboard.IntegrationTests.Infrastructure;

/// <summary>
/// A throw-away certificate authority and the PEM files a TLS setup needs, in a fresh folder: <c>ca.crt</c>,
/// <c>server.crt</c>/<c>server.key</c> (for 127.0.0.1 and localhost), <c>client.crt</c>/<c>client.key</c> (the seeds'
/// <c>tls_set</c> names) and <c>other-ca.crt</c>, an authority that signed nothing here.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private TestCertificates(string directory, X509Certificate2 ca)
    {
        Directory = directory;
        Ca = ca;
    }

    public string Directory { get; }
    public X509Certificate2 Ca { get; }
    public string CaPath => Path.Combine(Directory, "ca.crt");
    public string OtherCaPath => Path.Combine(Directory, "other-ca.crt");
    public string ServerCertificatePath => Path.Combine(Directory, "server.crt");
    public string ServerKeyPath => Path.Combine(Directory, "server.key");

    /// <summary>The settings that turn TLS on: Kestrel's default certificate.</summary>
    public Dictionary<string, string?> Settings => new()
    {
        ["Kestrel:Certificates:Default:Path"] = ServerCertificatePath,
        ["Kestrel:Certificates:Default:KeyPath"] = ServerKeyPath,
    };

    public static TestCertificates Create()
    {
        var directory = Path.Combine(Path.GetTempPath(), "dashboard-tests", "tls-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);

        using var caKey = RSA.Create(2048);
        using var ca = CreateAuthority("Dashboard Test CA", caKey);
        File.WriteAllText(Path.Combine(directory, "ca.crt"), ca.ExportCertificatePem());
        using (var otherKey = RSA.Create(2048))
        using (var other = CreateAuthority("Some Other CA", otherKey))
        {
            File.WriteAllText(Path.Combine(directory, "other-ca.crt"), other.ExportCertificatePem());
        }

        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        Issue(directory, "server", ca, names.Build(), "1.3.6.1.5.5.7.3.1"); // serverAuth
        Issue(directory, "client", ca, null, "1.3.6.1.5.5.7.3.2"); // clientAuth
        return new TestCertificates(directory, X509CertificateLoader.LoadCertificate(ca.RawData));
    }

    private static X509Certificate2 CreateAuthority(string name, RSA key)
    {
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(2));
    }

    /// <param name="ca">The authority, with its private key.</param>
    private static void Issue(string directory, string name, X509Certificate2 ca, X509Extension? names, string usage)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        if (names is not null)
        {
            request.CertificateExtensions.Add(names);
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f; // a positive serial number
        using var certificate = request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), serial); // inside the authority's validity
        File.WriteAllText(Path.Combine(directory, $"{name}.crt"), certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(directory, $"{name}.key"), key.ExportPkcs8PrivateKeyPem());
    }

    public void Dispose()
    {
        Ca.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a temp folder
        }
    }
}
