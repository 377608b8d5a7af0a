using System.Net;
using System.Net.Sockets;

namespace Dashboard.Servers;

/// <summary>
/// Loopback ports for test servers, taken below the kernel's ephemeral range. A port the OS hands out for port 0 comes
/// from that range, and so does the local port of every outgoing connection: between asking and binding, a test's
/// client could take it (seen as "address already in use" in CI). Below the range only another listener can.
/// </summary>
internal static class ServerPorts
{
    private const int Lowest = 20000;
    private static readonly int EphemeralLow = ReadEphemeralLow();
    private static int _next = Lowest + Random.Shared.Next(Math.Max(1, EphemeralLow - Lowest));

    /// <summary>A loopback port nobody listens on right now, and not handed out before by this process.</summary>
    public static int Next()
    {
        for (var tries = 0; tries < 1000; tries++)
        {
            var port = Lowest + (Interlocked.Increment(ref _next) - Lowest) % (EphemeralLow - Lowest);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // in use: the next one
            }
        }

        throw new InvalidOperationException($"No free loopback port between {Lowest} and {EphemeralLow}");
    }

    private static int ReadEphemeralLow()
    {
        try
        {
            var low = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split('\t', ' ')[0]);
            return low > Lowest + 1000 ? low : 32768;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return 32768;
        }
    }
}
