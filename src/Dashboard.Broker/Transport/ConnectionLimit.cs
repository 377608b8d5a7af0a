using System.Globalization;
using Microsoft.Extensions.Options;

namespace Dashboard.Broker.Transport;

/// <summary>
/// How many MQTT connections the broker holds: <see cref="BrokerOptions.MaxConnections"/>, and never more than the
/// process's open-file limit allows. Past that limit Kestrel could not accept at all (not even the dashboard's page) and
/// the database could not open a file, so a share of the descriptors stays kept for them.
/// </summary>
public sealed class ConnectionLimit
{
    public ConnectionLimit(IOptions<BrokerOptions> options)
        : this(options.Value.MaxConnections, OpenFileLimit())
    {
    }

    internal ConnectionLimit(int configured, long? openFiles)
    {
        OpenFiles = openFiles;
        if (openFiles is not { } files)
        {
            Max = configured > 0 ? configured : FallbackWhereUnknown;
            return;
        }

        var reserve = Math.Min(1000, files / 4);
        var allowed = (int)Math.Clamp(files - reserve, 1, int.MaxValue);
        Max = configured > 0 ? Math.Min(configured, allowed) : allowed;
        Lowered = configured > allowed;
    }

    /// <summary>Where the open-file limit cannot be read (not Linux): Broker:MaxConnections unset means this many.</summary>
    public const int FallbackWhereUnknown = 10_000;

    public int Max { get; }

    /// <summary>The process's open-file limit, where known.</summary>
    public long? OpenFiles { get; }

    /// <summary>Broker:MaxConnections was set above what the open-file limit allows.</summary>
    public bool Lowered { get; }

    /// <summary>The soft RLIMIT_NOFILE (the runtime raises it to the hard limit at start), from /proc/self/limits.</summary>
    private static long? OpenFileLimit()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/limits"))
            {
                if (line.StartsWith("Max open files", StringComparison.Ordinal))
                {
                    var soft = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                    return long.TryParse(soft, NumberStyles.None, CultureInfo.InvariantCulture, out var files) ? files : null; // "unlimited"
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        return null;
    }
}
