using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Dashboard.Broker.Tls;

/// <summary>A configured certificate that cannot serve TLS; the message names the file and the setting.</summary>
public sealed class TlsCertificateException(string message) : Exception(message)
{
    /// <summary>What the runtime prints when start-up fails: a setting to fix, so the message without a stack trace.</summary>
    public override string ToString() => $"{nameof(TlsCertificateException)}: {Message}";
}

/// <summary>
/// Loads each configured certificate file the way Kestrel will (PEM certificate + <c>KeyPath</c>, or a PKCS#12 file
/// with <c>Password</c>) before Kestrel does, so a missing file, an unreadable key or a key that belongs to another
/// certificate stops the start with one sentence naming the file, instead of an exception deep in Kestrel.
/// </summary>
internal static class TlsCertificateCheck
{
    public static void Check(IConfiguration kestrel, string contentRoot)
    {
        var checkedKeys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var endpoint in TlsEndpoints.Open(kestrel))
        {
            var https = endpoint["Url"]?.StartsWith("https:", StringComparison.OrdinalIgnoreCase) == true;
            if (https && TlsEndpoints.Certificate(kestrel, endpoint.Key) is var (section, key) && checkedKeys.Add(key))
            {
                CheckFiles(section, key, contentRoot);
            }
        }
    }

    private static void CheckFiles(IConfigurationSection certificate, string key, string contentRoot)
    {
        if (string.IsNullOrWhiteSpace(certificate["Path"]))
        {
            return; // a certificate store Subject: Kestrel's own message is as good as ours
        }

        var path = Path.Combine(contentRoot, certificate["Path"]!);
        var keyPath = string.IsNullOrWhiteSpace(certificate["KeyPath"]) ? null : Path.Combine(contentRoot, certificate["KeyPath"]!);
        var password = certificate["Password"];
        Readable(path, $"{key}:Path");
        if (keyPath is not null)
        {
            Readable(keyPath, $"{key}:KeyPath");
        }

        try
        {
            using var loaded = keyPath is null
                ? X509CertificateLoader.LoadPkcs12FromFile(path, password)
                : password is null ? X509Certificate2.CreateFromPemFile(path, keyPath) : X509Certificate2.CreateFromEncryptedPemFile(path, password, keyPath);
            if (!loaded.HasPrivateKey)
            {
                throw new TlsCertificateException($"TLS certificate '{path}' ({key}:Path) has no private key: set {key}:KeyPath to its key file.");
            }
        }
        catch (CryptographicException ex) when (keyPath is null)
        {
            var pem = X509Certificate2.GetCertContentType(path) == X509ContentType.Cert;
            throw new TlsCertificateException(pem
                ? $"TLS certificate '{path}' ({key}:Path) is a certificate without its key: set {key}:KeyPath to the PEM key file."
                : $"TLS certificate '{path}' ({key}:Path) could not be read as PKCS#12 (wrong {key}:Password?): {ex.Message}");
        }
        catch (CryptographicException ex) when (ex.Message.Contains("does not match", StringComparison.OrdinalIgnoreCase))
        {
            throw new TlsCertificateException($"TLS key '{keyPath}' ({key}:KeyPath) does not belong to certificate '{path}' ({key}:Path).");
        }
        catch (CryptographicException ex)
        {
            throw new TlsCertificateException($"TLS certificate '{path}' with key '{keyPath}' ({key}) could not be loaded: {ex.Message}");
        }
    }

    private static void Readable(string path, string setting)
    {
        try
        {
            using var _ = File.OpenRead(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new TlsCertificateException($"TLS file '{path}' ({setting}) does not exist.");
        }
        catch (UnauthorizedAccessException)
        {
            throw new TlsCertificateException($"TLS file '{path}' ({setting}) cannot be read by this process (check its owner and permissions).");
        }
    }
}
