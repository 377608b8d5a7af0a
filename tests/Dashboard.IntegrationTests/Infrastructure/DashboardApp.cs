using Dashboard.Broker;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.IntegrationTests.Infrastructure;

/// <summary>
/// The real Dashboard (its Program, its appsettings.json) on Kestrel, on free loopback ports, with its own
/// SQLite file. Start it again on the same database to test a restart.
/// </summary>
public sealed class DashboardApp : IAsyncDisposable
{
    private readonly Factory _factory;

    private DashboardApp(Factory factory, string databasePath)
    {
        _factory = factory;
        DatabasePath = databasePath;
    }

    public int HttpPort { get; private init; }
    public int MqttPort { get; private init; }
    public int WebSocketPort { get; private init; }

    /// <summary>The TLS listeners' ports; they open only when a certificate is configured (see <see cref="TestCertificates"/>).</summary>
    public TlsPorts Tls { get; private init; } = null!;
    public string DatabasePath { get; }
    public IServiceProvider Services => _factory.Services;
    public Uri HttpBase => new($"http://127.0.0.1:{HttpPort}/");
    public Uri WebSocketUri => new($"ws://127.0.0.1:{WebSocketPort}/mqtt");

    public static string NewDatabasePath() =>
        Path.Combine(Path.GetTempPath(), "dashboard-tests", $"{Guid.NewGuid():N}.db");

    /// <param name="databasePath">Reuse a database to restart "the same" broker; null for a fresh one.</param>
    /// <param name="settings">Configuration on top of appsettings.json, e.g. <c>["Broker:MaxPacketSize"] = "4096"</c>.</param>
    public static Task<DashboardApp> StartAsync(string? databasePath = null, IDictionary<string, string?>? settings = null)
    {
        databasePath ??= NewDatabasePath();
        Directory.CreateDirectory(Path.GetDirectoryName(databasePath)!);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return Task.FromResult(Start(databasePath, settings));
            }
            catch (IOException ex) when (attempt < 3 && ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                // FreePort's port was free when asked, but something else (a parallel test, another program) bound it
                // before Kestrel did: take new ports.
            }
        }
    }

    private static DashboardApp Start(string databasePath, IDictionary<string, string?>? settings)
    {
        var (http, mqtt, ws) = (FreePort.Next(), FreePort.Next(), FreePort.Next());
        var tls = new TlsPorts(FreePort.Next(), FreePort.Next(), FreePort.Next());
        var config = new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{http}",
            ["Kestrel:Endpoints:Mqtt:Url"] = $"http://127.0.0.1:{mqtt}",
            ["Kestrel:Endpoints:MqttWebSockets:Url"] = $"http://127.0.0.1:{ws}",
            ["Kestrel:Endpoints:MqttTls:Url"] = $"https://127.0.0.1:{tls.Mqtt}",
            ["Kestrel:Endpoints:MqttWebSocketsTls:Url"] = $"https://127.0.0.1:{tls.WebSocket}",
            ["Kestrel:Endpoints:Https:Url"] = $"https://127.0.0.1:{tls.Https}",
            ["ConnectionStrings:Dashboard"] = $"Data Source={databasePath}",
            ["Broker:SysInterval"] = "00:00:00",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            config[key] = value;
        }

        var factory = new Factory(config);
        factory.UseKestrel();
        try
        {
            factory.StartServer();
        }
        catch
        {
            factory.Dispose();
            throw;
        }

        return new DashboardApp(factory, databasePath) { HttpPort = http, MqttPort = mqtt, WebSocketPort = ws, Tls = tls };
    }

    /// <summary>Waits until the broker has accepted a connection from <paramref name="clientId"/> (CONNACK sent).</summary>
    public Task WaitForClientAsync(string clientId) => WaitUntilAsync(() => Services.GetRequiredService<ConnectionRegistry>().IsConnected(clientId), $"client {clientId} to connect");

    /// <summary>Polls broker state until <paramref name="condition"/> holds, within the test patience.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TestClient.Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Polls an asynchronous check (an HTTP call, a database read) until it holds, within the test patience.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TestClient.Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }

            await Task.Delay(20);
        }
    }

    public HttpClient CreateHttpClient() => new() { BaseAddress = HttpBase };

    /// <summary>Writes broker state (retained messages, sessions) to the database now instead of at the next interval.</summary>
    public Task FlushBrokerStateAsync() =>
        Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<BrokerStatePersister>().Single().FlushAsync(CancellationToken.None);

    public async ValueTask DisposeAsync() => await _factory.DisposeAsync();

    /// <summary>Ports of <c>MqttTls</c>, <c>MqttWebSocketsTls</c> and <c>Https</c>.</summary>
    public sealed record TlsPorts(int Mqtt, int WebSocket, int Https)
    {
        public Uri WebSocketUri => new($"wss://127.0.0.1:{WebSocket}/mqtt");
        public Uri HttpsBase => new($"https://127.0.0.1:{Https}/");
    }

    private sealed class Factory(Dictionary<string, string?> config) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseContentRoot(RepoPaths.Root);
            builder.UseEnvironment("Production");
            foreach (var (key, value) in config)
            {
                builder.UseSetting(key, value);
            }
        }
    }
}
