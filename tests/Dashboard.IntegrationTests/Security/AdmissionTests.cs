using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Dashboard.Broker.Metrics;
using Dashboard.Broker.Transport;
using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Packets;

namespace Dashboard.IntegrationTests.Security;

/// <summary>
/// Admission under a flood: sockets that never send CONNECT are capped apart from <c>Broker:MaxConnections</c>, and
/// wrong passwords back their address off, so a real device from elsewhere always gets in. All test traffic is local:
/// the floods come from 127.0.0.2 (any 127.x is the loopback on Linux), the real client from 127.0.0.1.
/// </summary>
public sealed class AdmissionTests
{
    private static readonly IPAddress FloodAddress = IPAddress.Parse("127.0.0.2");

    [Fact]
    public async Task Silent_sockets_from_one_address_are_capped_and_a_real_client_still_connects()
    {
        const int perAddress = 20;
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Broker:MaxConnections"] = "30", // the flood alone would fill it without the pending caps
            ["Broker:MaxPendingConnectionsPerAddress"] = $"{perAddress}",
            ["Broker:ConnectTimeout"] = "00:00:30", // the silent sockets stay for the whole test
        });
        var metrics = app.Services.GetRequiredService<BrokerMetrics>();
        var pending = app.Services.GetRequiredService<PendingConnections>();

        var flood = new List<Socket>();
        try
        {
            for (var i = 0; i < 2 * perAddress; i++)
            {
                flood.Add(await OpenFromAsync(FloodAddress, app.MqttPort));
            }

            await DashboardApp.WaitUntilAsync(() => metrics.PendingConnectionsRefused >= perAddress, "the flood beyond the cap to be refused");
            Assert.Equal(perAddress, metrics.PendingConnectionsRefused);
            Assert.Equal(perAddress, pending.CountFor(FloodAddress));
            Assert.Equal(0, metrics.ConnectionsRefused); // MaxConnections never filled

            // The refused ones were closed at once: each reads end-of-stream (or a reset) right away.
            var closed = 0;
            foreach (var socket in flood)
            {
                if (await ClosedWithinAsync(socket, TimeSpan.FromMilliseconds(50)))
                {
                    closed++;
                }
            }

            Assert.Equal(perAddress, closed);

            await using (var real = await TestClient.ConnectAsync(app))
            {
                Assert.True(real.Client.IsConnected);
                Assert.Equal(perAddress, pending.Count); // CONNACK success gave its place back
            }
        }
        finally
        {
            foreach (var socket in flood)
            {
                socket.Dispose();
            }
        }

        // Every path gave its place back exactly once: established, refused at the cap, closed by the client.
        await DashboardApp.WaitUntilAsync(() => pending.Count == 0 && metrics.OpenConnections == 0, "every connection to close");
        Assert.Equal(0, pending.CountFor(FloodAddress));
    }

    [Fact]
    public async Task The_total_pending_cap_refuses_across_addresses_and_timed_out_or_refused_connections_give_their_place_back()
    {
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Broker:MaxPendingConnections"] = "10",
            ["Broker:MaxPendingConnectionsPerAddress"] = "8",
            ["Broker:ConnectTimeout"] = "00:00:01",
            ["Broker:AllowAnonymous"] = "false",
        });
        var metrics = app.Services.GetRequiredService<BrokerMetrics>();
        var pending = app.Services.GetRequiredService<PendingConnections>();

        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < 8; i++)
            {
                sockets.Add(await OpenFromAsync(FloodAddress, app.MqttPort));
            }

            for (var i = 0; i < 4; i++)
            {
                sockets.Add(await OpenFromAsync(IPAddress.Parse("127.0.0.3"), app.MqttPort));
            }

            await DashboardApp.WaitUntilAsync(() => metrics.PendingConnectionsRefused == 2, "two beyond the total to be refused");
            Assert.Equal(10, pending.Count);

            // Silent: the connect timeout closes them and their places come back.
            await DashboardApp.WaitUntilAsync(() => pending.Count == 0, "the silent connections to time out");
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }

        // A CONNECT refused (no credentials while anonymous access is off) gives its place back too.
        for (var i = 0; i < 3; i++)
        {
            using var socket = await OpenFromAsync(IPAddress.Loopback, app.MqttPort);
            await socket.SendAsync(RawPackets.Connect($"refused-{i}"));
            Assert.True(await ClosedWithinAsync(socket, TestClient.Patience));
        }

        await DashboardApp.WaitUntilAsync(() => pending.Count == 0 && metrics.OpenConnections == 0, "every connection to close");
    }

    [Fact]
    public async Task A_flood_of_wrong_passwords_does_not_keep_a_real_login_waiting_and_is_logged_for_fail2ban()
    {
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Broker:AllowAnonymous"] = "false",
            ["Broker:MaxPendingConnectionsPerAddress"] = "1000", // the flood reaches the password check
            ["Broker:MaxLoginFailuresPerAddress"] = "5", // the defaults, which DashboardApp turns off for other tests
            ["Broker:MaxLoginFailuresPerUser"] = "20",
        });
        var log = new CapturedLog();
        app.Services.GetRequiredService<ILoggerFactory>().AddProvider(log);
        var metrics = app.Services.GetRequiredService<BrokerMetrics>();
        using (var http = app.CreateHttpClient())
        {
            Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("/api/broker-users", new { name = "sensor", password = "right password" })).StatusCode);
        }

        // 200 wrong passwords at once, for the very user the real client logs in as.
        const int floodSize = 200;
        using var floodTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var codes = new ConcurrentBag<int>();
        var flood = Task.WhenAll(Enumerable.Range(0, floodSize).Select(i => Task.Run(async () =>
        {
            try
            {
                using var socket = await OpenFromAsync(FloodAddress, app.MqttPort);
                await socket.SendAsync(RawMqttSocket.Encode(new MqttConnectPacket
                {
                    ClientId = $"flood-{i}",
                    CleanSession = true,
                    Username = "sensor",
                    Password = "wrong"u8.ToArray(),
                }), floodTimeout.Token);
                var connAck = new byte[4];
                var read = 0;
                while (read < 4 && await socket.ReceiveAsync(connAck.AsMemory(read), floodTimeout.Token) is > 0 and var n)
                {
                    read += n;
                }

                codes.Add(read == 4 ? connAck[3] : -1);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                codes.Add(-1);
            }
        })));

        await DashboardApp.WaitUntilAsync(() => metrics.LoginsFailed > 0, "the flood to reach the password check");
        var stopwatch = Stopwatch.StartNew();
        await using (var real = await TestClient.ConnectAsync(TestClient.Options(app).WithCredentials("sensor", "right password").Build()))
        {
            stopwatch.Stop();
            Assert.Equal(MqttClientConnectResultCode.Success, real.ConnectResult!.ResultCode);
        }

        // The login got in within the client's connect timeout, not refused as "server unavailable"; how long it took is a
        // figure for the benchmark (bench/run.sh security), printed here, not a bound a busy machine could break.
        Console.WriteLine($"Real login under a flood of {floodSize} wrong passwords: {stopwatch.ElapsedMilliseconds} ms");

        await flood;
        Assert.Equal(floodSize, codes.Count);
        Assert.All(codes, code => Assert.True(code is 4 or 3, $"flood CONNECT answered {code}")); // bad credentials, or server unavailable
        Assert.True(metrics.LoginsFailed >= codes.Count(c => c == 4));
        Assert.True(metrics.LoginsThrottled > floodSize / 2, $"{metrics.LoginsThrottled} refused without a check"); // most never hashed

        // At most one line per address every 10 s, the address before the username the client chose.
        var lines = log.Lines.Where(l => l.Contains("Broker login failed", StringComparison.Ordinal)).ToList();
        Assert.InRange(lines.Count, 1, 2);
        Assert.All(lines, line => Assert.Matches(new Regex(@"^Broker login failed from 127\.0\.0\.2 for user 'sensor': (wrong password|backing off until \S+)$"), line));

        // A few more wrong passwords one after another (the flood's were mostly refused as "server unavailable", which
        // is no failure), and the address backs off: even the right password is refused from it, without a check.
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(4, await ConnectRawAsync(app, FloodAddress, "sensor", "wrong"));
        }

        var throttled = metrics.LoginsThrottled;
        Assert.Equal(4, await ConnectRawAsync(app, FloodAddress, "sensor", "right password")); // 3.1.1 code 4: bad user name or password
        Assert.Equal(throttled + 1, metrics.LoginsThrottled);

        // The real client's address is not held back by the user's failures.
        Assert.Equal(0, await ConnectRawAsync(app, IPAddress.Loopback, "sensor", "right password"));
    }

    [Fact]
    public async Task An_unknown_username_is_answered_like_a_wrong_password_through_the_same_check_queue()
    {
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Broker:AllowAnonymous"] = "false",
            ["Broker:MaxPendingPasswordChecksPerAddress"] = "2",
        });
        using (var http = app.CreateHttpClient())
        {
            Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("/api/broker-users", new { name = "sensor", password = "right password" })).StatusCode);
        }

        // Thirty at once: for a known user the third concurrent check finds the queue full (3, server unavailable).
        // Were unknown names answered without a check, they would all get 4 at once, and that speed would tell an
        // attacker which names exist.
        foreach (var user in new[] { "sensor", "nobody-by-this-name" })
        {
            var codes = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => ConnectRawAsync(app, FloodAddress, user, "wrong")));
            Assert.All(codes, code => Assert.True(code is 4 or 3, $"{user}: CONNACK {code}"));
            Assert.Contains(4, codes);
            Assert.Contains(3, codes);
        }
    }

    /// <summary>A raw MQTT 3.1.1 CONNECT with credentials; returns CONNACK's return code.</summary>
    private static async Task<int> ConnectRawAsync(DashboardApp app, IPAddress source, string user, string password)
    {
        using var socket = await OpenFromAsync(source, app.MqttPort);
        await socket.SendAsync(RawMqttSocket.Encode(new MqttConnectPacket
        {
            ClientId = "raw-" + Guid.NewGuid().ToString("N")[..8],
            CleanSession = true,
            Username = user,
            Password = System.Text.Encoding.UTF8.GetBytes(password),
        }));
        var answer = new byte[4];
        var read = 0;
        using var timeout = new CancellationTokenSource(TestClient.Patience);
        while (read < 4 && await socket.ReceiveAsync(answer.AsMemory(read), timeout.Token) is > 0 and var n)
        {
            read += n;
        }

        Assert.Equal(4, read);
        return answer[3];
    }

    private static async Task<Socket> OpenFromAsync(IPAddress source, int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Bind(new IPEndPoint(source, 0));
            using var timeout = new CancellationTokenSource(TestClient.Patience);
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task<bool> ClosedWithinAsync(Socket socket, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[256];
        try
        {
            while (await socket.ReceiveAsync(buffer, cts.Token) > 0)
            {
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    private sealed class CapturedLog : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturedLog owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    owner.Lines.Enqueue(formatter(state, exception));
                }
            }
        }
    }
}
