using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Dashboard.Accounts;
using Dashboard.Storage;
using Dashboard.Storage.PostgreSql;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Bench;

/// <summary>
/// CPU time from /proc/&lt;pid&gt;/stat: user (the broker's own code) and system (mostly the TCP stack; on loopback
/// a sender's system time includes handing the data to the receiving socket).
/// </summary>
internal readonly record struct CpuTimes(TimeSpan User, TimeSpan System)
{
    public TimeSpan Total => User + System;

    public static CpuTimes operator -(CpuTimes a, CpuTimes b) => new(a.User - b.User, a.System - b.System);

    public static CpuTimes operator +(CpuTimes a, CpuTimes b) => new(a.User + b.User, a.System + b.System);
}

/// <summary>
/// A broker the bench started as its own process on 127.0.0.1 free ports, with its output in a log file, and
/// what /proc says about it. Disposing kills it; so does the bench's exit, and bench/run.sh's trap kills the
/// PIDs listed in $BENCH_PID_FILE should the bench itself be killed.
/// </summary>
internal sealed class BrokerProcess : IAsyncDisposable
{
    public const string DashboardName = "dashboard";
    public const string DashboardPeriodicName = "dashboard-periodic";
    public const string DashboardSyncedName = "dashboard-synced";
    public const string MosquittoName = "mosquitto";

    /// <summary>The Dashboard's names in the bench and the Broker:Durability each runs with.</summary>
    public static readonly IReadOnlyDictionary<string, string> Durabilities = new Dictionary<string, string>
    {
        [DashboardName] = "Acknowledged",
        [DashboardPeriodicName] = "Periodic",
        [DashboardSyncedName] = "Synced",
    };

    public static bool IsDashboard(string name) => Durabilities.ContainsKey(name);

    /// <summary>
    /// Per-client queue limit given to both brokers: far above one run's 200k messages, so neither drops for lack of
    /// room and a loss can only come from the broker itself (mosquitto's default is 1000, the Dashboard's too).
    /// </summary>
    public const int MaxQueuedMessages = 1_000_000;

    // /proc/<pid>/stat counts CPU time in USER_HZ ticks, which Linux fixes at 100 on every mainstream architecture.
    private const double ClockTicksPerSecond = 100;

    private static readonly List<Process> Started = [];

    private readonly Process _process;
    private readonly StreamWriter _log;
    private bool _logClosed;

    static BrokerProcess() => AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();

    private BrokerProcess(string name, Process process, int mqttPort, string logPath, string settings)
    {
        Name = name;
        _process = process;
        MqttPort = mqttPort;
        LogPath = logPath;
        Settings = settings;
        _log = new StreamWriter(logPath) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => WriteLog(e.Data);
        process.ErrorDataReceived += (_, e) => WriteLog(e.Data);
    }

    public string Name { get; }
    public int Pid => _process.Id;

    /// <summary>Stopwatch timestamp taken just before the process was started.</summary>
    public long StartedAt { get; private set; }
    public int MqttPort { get; }

    /// <summary>The dashboard admin the bench's Dashboard is started with (the browser signs in as it).</summary>
    public const string AdminUser = "bench";
    public const string AdminPassword = "bench admin password";

    /// <summary>The Dashboard's UI port; 0 for mosquitto.</summary>
    public int HttpPort { get; private set; }

    /// <summary>An admin API key of the Dashboard (sent by <see cref="CreateHttpClient"/>); empty for mosquitto.</summary>
    public string ApiKey { get; private set; } = "";

    /// <summary>An HTTP client for the Dashboard's API, with its admin API key.</summary>
    public HttpClient CreateHttpClient(TimeSpan timeout)
    {
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{HttpPort}/"), Timeout = timeout };
        http.DefaultRequestHeaders.Add(ApiKeys.Header, ApiKey);
        return http;
    }
    public string LogPath { get; }

    /// <summary>How the broker was configured, for the report.</summary>
    public string Settings { get; }

    /// <summary>The Kestrel-hosted Dashboard app, with the product's own configuration but for the queue limit; ready when /healthz answers 200.</summary>
    public static async Task<BrokerProcess> StartDashboardAsync(string dll, IEnumerable<KeyValuePair<string, string>> environment, string tempDir, CancellationToken cancellationToken, string name = DashboardName, Action<BrokerProcess>? started = null)
    {
        int[] ports = [FreePort(), FreePort(), FreePort()];
        var (http, mqtt, webSockets) = (ports[0], ports[1], ports[2]);
        // The app's folder is the working directory, so its appsettings.json (copied there by the build) is the content root's.
        var start = new ProcessStartInfo("dotnet", [dll]) { WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(dll)) };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{http}";
        start.Environment["Kestrel__Endpoints__Mqtt__Url"] = $"http://127.0.0.1:{mqtt}";
        start.Environment["Kestrel__Endpoints__MqttWebSockets__Url"] = $"http://127.0.0.1:{webSockets}";
        start.Environment["ConnectionStrings__Dashboard"] = $"Data Source={Path.Combine(tempDir, $"{name}.db")}";
        start.Environment["Broker__MaxQueuedMessages"] = MaxQueuedMessages.ToString(CultureInfo.InvariantCulture);
        start.Environment["Dashboard__Admin__Username"] = AdminUser;
        start.Environment["Dashboard__Admin__Password"] = AdminPassword;
        var settings = $"Production, appsettings.json as built, Broker:MaxQueuedMessages={MaxQueuedMessages}, Workstation GC (Dashboard.csproj)";
        foreach (var (variable, value) in environment)
        {
            start.Environment[variable] = value;
            settings += $", {variable}={value}";
        }

        var broker = Start(name, start, mqtt, Path.Combine(tempDir, $"{name}.log"), settings);
        broker.HttpPort = http;
        started?.Invoke(broker);
        using var http200 = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await broker.WaitUntilReadyAsync(async () =>
        {
            using var response = await http200.GetAsync($"http://127.0.0.1:{http}/healthz", cancellationToken);
            return response.StatusCode == HttpStatusCode.OK;
        }, cancellationToken);

        // A key made the way the Settings page makes one, in the app's own database (the app is up, so it is migrated).
        var connectionString = start.Environment["ConnectionStrings__Dashboard"]!;
        await using (var db = start.Environment.TryGetValue("Storage__Provider", out var provider) && provider == nameof(StorageProvider.PostgreSQL)
            ? new PostgreSqlDbContext(new DbContextOptionsBuilder<PostgreSqlDbContext>().UseNpgsql(connectionString).Options)
            : new DashboardDbContext(new DbContextOptionsBuilder<DashboardDbContext>().UseSqlite(connectionString + ";Pooling=False").Options))
        {
            var (created, error) = await new ApiKeys(db, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<ApiKeys>.Instance).CreateAsync("bench", DashboardRoles.Admin, "bench", cancellationToken);
            broker.ApiKey = created?.Secret ?? throw new InvalidOperationException(error);
        }

        return broker;
    }

    /// <summary>
    /// Mosquitto with a config written for the bench (see the comments in it); ready when its port accepts connections.
    /// <paramref name="security"/> (e.g. password_file and acl_file lines) is appended, and then anonymous clients are refused.
    /// <paramref name="persistence"/> turns mosquitto's persistence on, with its default autosave_interval.
    /// </summary>
    public static async Task<BrokerProcess> StartMosquittoAsync(string executable, bool noDelay, string tempDir, CancellationToken cancellationToken, string? security = null, bool persistence = false, Action<BrokerProcess>? started = null, int sysInterval = 10)
    {
        var port = FreePort();
        var conf = Path.Combine(tempDir, "mosquitto.conf");
        var persistenceConf = persistence
            ? $"""
              # Retained messages and persistent sessions, as the Dashboard keeps them in SQLite. Mosquitto writes its state
              # only every autosave_interval (default 1800 s: never during the bench) and at shutdown, like the Dashboard's
              # Broker:Durability=Periodic with a far longer interval.
              persistence true
              persistence_location {tempDir}/
              """
            : """
              # In memory only: the bench's clean sessions give the Dashboard nothing to write to SQLite either.
              persistence false
              """;
        await File.WriteAllTextAsync(conf, $"""
            # Written by Dashboard.Bench: mosquitto configured like the Dashboard is, so the two do the same work.
            listener {port} 127.0.0.1
            allow_anonymous {(security is null ? "true" : "false")}
            {persistenceConf}
            # Same per-client queue limit as the Dashboard's Broker:MaxQueuedMessages; 0 bytes = no byte limit.
            max_queued_messages {MaxQueuedMessages}
            max_queued_bytes 0
            # No limit on QoS 1 messages in flight to a client: MQTTnet has none (it sends without waiting for PUBACKs).
            # With 0, mosquitto also hands QoS 0 messages straight to the socket queue instead of dropping them.
            max_inflight_messages 0
            max_inflight_bytes 0
            # Mosquitto's default (false) unless --mosquitto-nodelay. Kestrel sets TCP_NODELAY but sends many packets per
            # write; mosquitto writes each packet on its own, and Nagle is what batches them into fewer TCP segments.
            set_tcp_nodelay {(noDelay ? "true" : "false")}
            # $SYS every 10 s, like the Dashboard's Broker:SysInterval (the scale-out bench reads its counters every second).
            sys_interval {sysInterval}
            log_dest stdout
            log_type error
            log_type warning
            {security}
            """, cancellationToken);
        var settings = $"{(persistence ? "persistence true (autosave_interval 1800 s, the default)" : "persistence false")}, max_queued_messages {MaxQueuedMessages}, max_inflight_messages 0, set_tcp_nodelay {(noDelay ? "true" : "false")}, sys_interval {sysInterval}";
        if (security is not null)
        {
            settings += ", allow_anonymous false, " + string.Join(", ", security.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => !l.StartsWith('#')));
        }


        var broker = Start(MosquittoName, new ProcessStartInfo(executable, ["-c", conf]), port, Path.Combine(tempDir, "mosquitto.log"), settings);
        started?.Invoke(broker);
        await broker.WaitUntilListeningAsync(cancellationToken);
        return broker;
    }

    /// <summary>
    /// The floor relay (bench/Dashboard.RelayFloor) in one of its modes (direct, handoff, epoll), with the runtime's socket
    /// completions inline on its epoll thread or not; ready when its port accepts connections.
    /// </summary>
    public static async Task<BrokerProcess> StartRelayAsync(string dll, string name, string mode, bool inlineCompletions, string tempDir, CancellationToken cancellationToken, Action<BrokerProcess>? started = null)
    {
        var port = FreePort();
        // The last argument, unused by the relay, is unique to this run: the PID list's marker (see Start).
        var start = new ProcessStartInfo("dotnet", [dll, port.ToString(CultureInfo.InvariantCulture), mode, Path.Combine(tempDir, name)]);
        start.Environment["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"] = inlineCompletions ? "1" : "0";
        var settings = $"mode {mode}, DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS={(inlineCompletions ? 1 : 0)}";
        var broker = Start(name, start, port, Path.Combine(tempDir, $"{name}.log"), settings);
        started?.Invoke(broker);
        await broker.WaitUntilListeningAsync(cancellationToken);
        return broker;
    }

    /// <summary>User and system CPU time the process has used so far, all threads.</summary>
    public CpuTimes CpuTime() => CpuTimeOf(Pid);

    /// <summary>User and system CPU time process <paramref name="pid"/> has used so far, all threads.</summary>
    public static CpuTimes CpuTimeOf(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        static TimeSpan Ticks(string value) => TimeSpan.FromSeconds(long.Parse(value, CultureInfo.InvariantCulture) / ClockTicksPerSecond);
        return new CpuTimes(Ticks(fields[11]), Ticks(fields[12])); // utime, stime (fields 14 and 15)
    }

    /// <summary>Peak resident set size so far (VmHWM), in MiB.</summary>
    public double PeakRssMiB() => StatusKiB("VmHWM:") / 1024.0;

    /// <summary>Current resident set size (VmRSS), in MiB.</summary>
    public double RssMiB() => StatusKiB("VmRSS:") / 1024.0;

    /// <summary>Warnings and errors the broker logged (console logger "warn:"/"fail:"/"crit:" lines and mosquitto's), each with the line after it.</summary>
    public List<string> LoggedProblems()
    {
        lock (_log)
        {
            _log.Flush();
        }

        var lines = File.ReadAllLines(LogPath);
        var problems = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.StartsWith("warn:", StringComparison.Ordinal) || line.StartsWith("fail:", StringComparison.Ordinal) || line.StartsWith("crit:", StringComparison.Ordinal))
            {
                problems.Add(i + 1 < lines.Length ? $"{line.Trim()} {lines[i + 1].Trim()}" : line.Trim());
            }
            else if (Name == MosquittoName && (line.Contains("Error", StringComparison.Ordinal) || line.Contains("Warning", StringComparison.Ordinal)))
            {
                problems.Add(line.Trim());
            }
        }

        return problems;
    }

    public async ValueTask DisposeAsync()
    {
        Kill(_process);
        await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        lock (_log)
        {
            _logClosed = true;
            _log.Dispose();
        }

        _process.Dispose();
    }

    private static BrokerProcess Start(string name, ProcessStartInfo start, int mqttPort, string logPath, string settings)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var process = new Process { StartInfo = start };
        var broker = new BrokerProcess(name, process, mqttPort, logPath, settings) { StartedAt = Stopwatch.GetTimestamp() };
        process.Start();
        lock (Started)
        {
            Started.Add(process);
        }

        if (Environment.GetEnvironmentVariable("BENCH_PID_FILE") is { Length: > 0 } pidFile)
        {
            // With the process's last argument (the dll or the config file, unique to this run), so that the script
            // can check a PID is still this broker before it kills it.
            File.AppendAllText(pidFile, $"{process.Id} {start.ArgumentList[^1]}\n");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return broker;
    }

    /// <summary>Ready once the broker's MQTT port accepts a connection.</summary>
    private Task WaitUntilListeningAsync(CancellationToken cancellationToken) => WaitUntilReadyAsync(async () =>
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, MqttPort, cancellationToken);
        return true;
    }, cancellationToken);

    /// <summary>Polls <paramref name="isReady"/> every 100 ms; fails at once if the process exits, and after 60 s.</summary>
    private async Task WaitUntilReadyAsync(Func<Task<bool>> isReady, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} before it was ready; see {LogPath}");
            }

            try
            {
                if (await isReady())
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or SocketException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Not listening yet.
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new TimeoutException($"{Name} was not ready after 60 s; see {LogPath}");
    }

    private long StatusKiB(string field)
    {
        var line = File.ReadLines($"/proc/{Pid}/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    private void WriteLog(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            if (!_logClosed)
            {
                _log.WriteLine(line);
            }
        }
    }

    private static int FreePort()
    {
        // The OS picks a free port; it is released again, so another process could take it before the broker binds it (unlikely here).
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void KillAll()
    {
        lock (Started)
        {
            foreach (var process in Started)
            {
                Kill(process);
            }
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
