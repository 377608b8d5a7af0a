using Dashboard.Accounts;
using Dashboard.Broker;
using Dashboard.Broker.Persistence;
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

    /// <summary>The admin every test app has (<c>Dashboard:Admin</c>), unless the test's settings clear it.</summary>
    public const string AdminUser = "admin";
    public const string AdminPassword = "admin password for tests";

    /// <summary>An admin API key, sent by <see cref="CreateHttpClient()"/>.</summary>
    public string AdminApiKey { get; private set; } = "";

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
            // Every test client comes from 127.0.0.1, and many tests try wrong passwords on purpose: no login back-off
            // unless a test asks for it (Security/AdmissionTests).
            ["Broker:MaxLoginFailuresPerAddress"] = "0",
            ["Broker:MaxLoginFailuresPerUser"] = "0",
            ["Dashboard:Admin:Username"] = AdminUser,
            ["Dashboard:Admin:Password"] = AdminPassword,
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

        var app = new DashboardApp(factory, databasePath) { HttpPort = http, MqttPort = mqtt, WebSocketPort = ws, Tls = tls };
        app.AdminApiKey = Task.Run(() => app.CreateApiKeyAsync(DashboardRoles.Admin)).GetAwaiter().GetResult();
        return app;
    }

    /// <summary>A new API key with <paramref name="role"/>, made the way the Settings page makes one; returns its secret.</summary>
    public async Task<string> CreateApiKeyAsync(string role, string name = "tests")
    {
        await using var scope = Services.CreateAsyncScope();
        var (created, error) = await scope.ServiceProvider.GetRequiredService<ApiKeys>().CreateAsync(name, role, "tests");
        return created?.Secret ?? throw new InvalidOperationException(error);
    }

    /// <summary>Creates a dashboard account (as an admin does in Settings).</summary>
    public async Task CreateAccountAsync(string userName, string password, string role)
    {
        await using var scope = Services.CreateAsyncScope();
        var errors = await scope.ServiceProvider.GetRequiredService<DashboardAccounts>().CreateAsync(userName, password, role);
        if (errors.Count > 0)
        {
            throw new InvalidOperationException(string.Join(" ", errors));
        }
    }

    /// <summary>Waits until the broker has accepted a connection from <paramref name="clientId"/> (CONNACK sent).</summary>
    public Task WaitForClientAsync(string clientId) => WaitUntilAsync(() => Services.GetRequiredService<ConnectionRegistry>().IsConnected(clientId), $"client {clientId} to connect");

    /// <summary>Waits until the broker holds <paramref name="clientId"/>'s persistent session as offline (its client has gone).</summary>
    public Task WaitForOfflineSessionAsync(string clientId) => WaitUntilAsync(() =>
    {
        if (!Services.GetRequiredService<Dashboard.Broker.Sessions.PersistentSessions>().TryGet(clientId, out var record))
        {
            return false;
        }

        lock (record)
        {
            return record.Connection is null;
        }
    }, $"the session of {clientId} to be offline");

    /// <summary>Polls broker state until <paramref name="condition"/> holds, within the test patience.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? patience = null)
    {
        var deadline = DateTime.UtcNow + (patience ?? TestClient.Patience);
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
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? patience = null)
    {
        var deadline = DateTime.UtcNow + (patience ?? TestClient.Patience);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>An HTTP client signed in with the admin API key.</summary>
    public HttpClient CreateHttpClient() => CreateHttpClient(AdminApiKey);

    /// <summary>An HTTP client sending <paramref name="apiKey"/> (none when null: a stranger).</summary>
    public HttpClient CreateHttpClient(string? apiKey)
    {
        var client = new HttpClient { BaseAddress = HttpBase };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add(ApiKeys.Header, apiKey);
        }

        return client;
    }

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
