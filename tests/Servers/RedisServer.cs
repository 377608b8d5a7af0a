using System.Diagnostics;
using System.Net.Sockets;

namespace Dashboard.Servers;

/// <summary>
/// A real Redis server from Debian's <c>redis-server</c> package (installed by .ci/run), on a free loopback port in a
/// temporary folder, nothing saved; killed by its PID. Shared by the integration tests (a class fixture) and the bench.
/// </summary>
public sealed partial class RedisServer
{
    private ServerProcess? _server;

    /// <summary>Where its folder goes (a new one inside, removed on dispose).</summary>
    public string BaseFolder { get; init; } = Path.Combine(Path.GetTempPath(), "dashboard-tests");

    public string Folder { get; private set; } = "";

    public int Port { get; } = ServerPorts.Next();

    /// <summary>The server's PID once started.</summary>
    public int Pid => _server?.Id ?? 0;

    /// <summary><c>Redis:Configuration</c> for this server.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    public async Task InitializeAsync()
    {
        Folder = Directory.CreateDirectory(Path.Combine(BaseFolder, $"redis-{Guid.NewGuid():N}")).FullName;
        // The folder last: unique, so whoever kills by PID can check the command line is still this server's.
        _server = ServerProcess.Start("/usr/bin/redis-server",
            ["--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", Folder]);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", Port);
                return;
            }
            catch (SocketException) when (!_server.HasExited && deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(50);
            }
            catch (SocketException ex)
            {
                throw new InvalidOperationException($"Redis is not listening on {Port}:\n{_server.Output}", ex);
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (Folder.Length > 0)
        {
            Directory.Delete(Folder, recursive: true);
        }
    }
}
