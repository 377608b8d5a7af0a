using Dashboard.Servers;

namespace Dashboard.IntegrationTests.Infrastructure;

internal static class FreePort
{
    /// <summary>A loopback port nobody listens on right now, outside the range outgoing connections take theirs from.</summary>
    public static int Next() => ServerPorts.Next();
}
