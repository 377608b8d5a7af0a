using System.Globalization;
using System.Text.RegularExpressions;

namespace Dashboard.IntegrationTests.Infrastructure;

/// <summary>Runs a tutorial's paho-mqtt script (Seeds/) with Debian's python3, pointed at the test broker.</summary>
public static partial class SeedScript
{
    /// <summary>paho-mqtt 2.x, for the scripts written against it; .ci/run unpacks Debian's package here.</summary>
    public static readonly string Paho2Path = Path.Combine(RepoPaths.Root, ".tools", "paho2", "usr", "lib", "python3", "dist-packages");

    /// <param name="certificates">For the TLS scripts: the folder that replaces their <c>/path/to/</c>.</param>
    public static ExternalProcess Start(string name, int port, string? certificates = null)
    {
        var source = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Seeds", name));
        var directory = Path.Combine(Path.GetTempPath(), "dashboard-seeds");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"{Guid.NewGuid():N}-{name}");
        var pointed = PointAt(source, port);
        File.WriteAllText(path, certificates is null ? pointed : pointed.Replace("/path/to/", certificates.TrimEnd('/') + "/", StringComparison.Ordinal));

        var environment = new Dictionary<string, string> { ["PYTHONUNBUFFERED"] = "1" };
        if (source.Contains("CallbackAPIVersion", StringComparison.Ordinal))
        {
            if (!Directory.Exists(Path.Combine(Paho2Path, "paho")))
            {
                throw new InvalidOperationException($"{name} needs paho-mqtt 2.x in {Paho2Path}; run .ci/run once to unpack it.");
            }

            environment["PYTHONPATH"] = Paho2Path;
        }

        return ExternalProcess.Start("/usr/bin/python3", ["-u", path], environment);
    }

    /// <summary>The one change made to a script: where it connects (1883, or 8883 for TLS, becomes <paramref name="port"/>).</summary>
    public static string PointAt(string source, int port)
    {
        var portText = port.ToString(CultureInfo.InvariantCulture);
        var pointed = PublicHosts().Replace(source, "\"127.0.0.1\"")
            .Replace("1883", portText, StringComparison.Ordinal).Replace("8883", portText, StringComparison.Ordinal);
        return DefaultPortConnect().Replace(pointed, $"client.connect(broker, {portText})");
    }

    [GeneratedRegex("\"(localhost|mqtt\\.example\\.com|mqtt\\.eclipse\\.org|broker\\.example\\.com|broker\\.hivemq\\.com)\"")]
    private static partial Regex PublicHosts();

    [GeneratedRegex(@"client\.connect\(broker\)")]
    private static partial Regex DefaultPortConnect();
}
