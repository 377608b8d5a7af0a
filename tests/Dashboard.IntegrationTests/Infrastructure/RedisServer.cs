using System.Net.Sockets;

namespace Dashboard.IntegrationTests.Infrastructure;

/// <summary>A real Redis server from Debian's <c>redis-server</c> package (installed by .ci/run), on a free loopback port, nothing saved; killed by its PID.</summary>
public sealed class RedisServer : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "dashboard-tests", $"redis-{Guid.NewGuid():N}");
    private ExternalProcess? _server;

    public int Port { get; } = FreePort.Next();

    /// <summary><c>Redis:Configuration</c> for this server.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        _server = ExternalProcess.Start("/usr/bin/redis-server",
            ["--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", _folder]);
        await DashboardApp.WaitUntilAsync(async () =>
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", Port);
                return true;
            }
            catch (SocketException) when (!_server.HasExited)
            {
                return false;
            }
        }, $"Redis listening on {Port}: {_server.Output}");
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Directory.Delete(_folder, recursive: true);
    }
}
