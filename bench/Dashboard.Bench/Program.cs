using System.Runtime.InteropServices;
using Dashboard.Bench;
using Dashboard.Bench.Cost;
using Dashboard.Bench.History;
using Dashboard.Bench.Live;
using Dashboard.Bench.ScaleOut;
using Dashboard.Bench.Security;

// Ctrl+C and kill (SIGTERM, as bench/run.sh's trap sends) unwind the run, so the brokers are stopped and the temp folder removed.
using var stop = new CancellationTokenSource();
void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}

using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

// `live`: the dashboard's live path with a browser attached (ingestion, publish → visible latency, memory).
if (args is ["live", .. var liveArgs])
{
    var live = LiveBenchOptions.Parse(liveArgs, out var liveError);
    if (live is null)
    {
        Console.Error.WriteLine(liveError is { Length: > 0 } ? $"{liveError}\n\n{LiveBenchOptions.Usage}" : LiveBenchOptions.Usage);
        return liveError is { Length: > 0 } ? 2 : 0;
    }

    var liveDll = live.DashboardDll ?? FindDashboardDll();
    if (!File.Exists(liveDll))
    {
        Console.Error.WriteLine($"{liveDll} not found: build it with `dotnet build src/Dashboard -c Release`.");
        return 2;
    }

    try
    {
        return await LiveBench.RunAsync(live, liveDll, stop.Token);
    }
    catch (OperationCanceledException) when (stop.IsCancellationRequested)
    {
        Console.Error.WriteLine("Interrupted.");
        return 130;
    }
    catch (Exception ex) when (ex is TimeoutException or InvalidOperationException or Microsoft.Playwright.PlaywrightException)
    {
        // The app did not do what the bench waited for (or did not start): that is a finding, not a crash of the bench.
        Console.Error.WriteLine($"The live bench stopped: {ex.Message}");
        return 1;
    }
}

// Broker throughput: the Dashboard app and mosquitto, each started here as its own process, measured in the
// same run with the same MQTTnet load; or, with `history` first, the reading history. See bench/README.md.
if (args is ["history", ..])
{
    using var stopHistory = new CancellationTokenSource();
    using var onHistoryInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stopHistory.Cancel(); });
    using var onHistoryTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stopHistory.Cancel(); });
    var dll = args.SkipWhile(a => a != "--dashboard-dll").Skip(1).FirstOrDefault() ?? FindDashboardDll();
    return await HistoryBench.RunAsync([.. HistoryArguments(args[1..])], dll, stopHistory.Token);
}

// `security`: what broker users and ACLs cost, CONNECT and delivery, against mosquitto with password and ACL files.
if (args is ["security", .. var securityArgs])
{
    return await SecurityBench.RunAsync(securityArgs, FindDashboardDll(), stop.Token);
}

// `cost`: what a steady IoT load costs, the app against mosquitto, loaded by bench/loadgen (a raw-socket C generator).
if (args is ["cost", .. var costArgs])
{
    return await CostBench.RunAsync(costArgs, FindDashboardDll(), stop.Token);
}

// `scaleout`: ingestion with one and two dashboard instances (Broker:Mode=External, mosquitto) on PostgreSQL, Redis.
if (args is ["scaleout", .. var scaleOutArgs])
{
    return await ScaleOutBench.RunAsync(scaleOutArgs, FindDashboardDll(), stop.Token);
}

// `durable`: the broker bench with retained messages and a persistent session, Acknowledged vs Periodic vs mosquitto.
var options = BenchOptions.Parse(args is ["durable", .. var durableArgs] ? [.. BenchOptions.Durable, .. durableArgs] : args, out var error);
if (options is null)
{
    Console.Error.WriteLine(error is { Length: > 0 } ? $"{error}\n\n{BenchOptions.Usage}" : BenchOptions.Usage);
    return error is { Length: > 0 } ? 2 : 0;
}

var dashboardDll = options.DashboardDll ?? FindDashboardDll();
if (options.Brokers.Any(BrokerProcess.IsDashboard) && !File.Exists(dashboardDll))
{
    Console.Error.WriteLine($"{dashboardDll} not found: build it with `dotnet build src/Dashboard -c Release`.");
    return 2;
}

if (options.Brokers.Contains(BrokerProcess.MosquittoName) && !File.Exists(options.Mosquitto))
{
    Console.Error.WriteLine($"{options.Mosquitto} not found: install it with `apt-get install mosquitto`.");
    return 2;
}

var temp = Directory.CreateTempSubdirectory("dashboard-bench-");
var brokers = new List<BrokerProcess>();
try
{
    PrintSetup(options);
    foreach (var name in options.Brokers)
    {
        var broker = BrokerProcess.IsDashboard(name)
            ? await BrokerProcess.StartDashboardAsync(dashboardDll, [new("Broker__Durability", BrokerProcess.Durabilities[name]), .. options.DashboardEnvironment], temp.FullName, stop.Token, name)
            : await BrokerProcess.StartMosquittoAsync(options.Mosquitto, options.MosquittoNoDelay, temp.FullName, stop.Token, persistence: options.LeavesState);
        brokers.Add(broker);
        Console.WriteLine($"Started {broker.Name}: pid {broker.Pid}, MQTT on 127.0.0.1:{broker.MqttPort}, RSS {broker.RssMiB():F0} MiB; {broker.Settings}");
    }

    Console.WriteLine();
    var measurements = new List<Measurement>();
    foreach (var qos in options.QosLevels)
    {
        foreach (var broker in brokers)
        {
            for (var w = 1; w <= options.WarmupRuns; w++)
            {
                var warmup = await LoadRun.RunAsync(broker, qos, options, $"{broker.Name}-q{(int)qos}-w{w}", stop.Token);
                Console.WriteLine(Report.RunLine(broker.Name, qos, "warm-up", warmup));
            }
        }

        foreach (var (load, loadOptions) in options.Loads(qos))
        {
            for (var run = 1; run <= options.Runs; run++)
            {
                // The brokers take turns, in alternating order, so a slow spell of the shared machine hits both alike.
                var order = run % 2 == 1 ? brokers : Enumerable.Reverse(brokers);
                foreach (var broker in order)
                {
                    var runId = $"{broker.Name}-q{(int)qos}-{(loadOptions.Paced ? "paced" : "flat")}-r{run}";
                    var result = await LoadRun.RunAsync(broker, qos, loadOptions, runId, stop.Token);
                    measurements.Add(new Measurement(broker.Name, qos, load, run, result));
                    Console.WriteLine(Report.RunLine(broker.Name, qos, $"{load}, run {run}/{options.Runs}", result));
                }
            }
        }
    }

    Report.PrintSummary(measurements, brokers, options);
    return 0;
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Console.Error.WriteLine("Interrupted.");
    return 130;
}
finally
{
    foreach (var broker in brokers)
    {
        var problems = broker.LoggedProblems();
        Console.WriteLine($"- {broker.Name} log: {problems.Count} warning/error entries{(problems.Count > 0 ? ", first: " : "")}{string.Join(" | ", problems.Take(3))}");
        await broker.DisposeAsync();
    }

    if (options.KeepTemp)
    {
        Console.WriteLine($"- Logs, config and database kept in {temp.FullName}");
    }
    else
    {
        temp.Delete(recursive: true);
    }
}

static void PrintSetup(BenchOptions options)
{
    var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
    Console.WriteLine($"# Broker benchmark, {DateTimeOffset.Now:yyyy-MM-dd HH:mm zzz}");
    Console.WriteLine($"Machine: {Environment.ProcessorCount} cores ({cpu}), load average {File.ReadAllText("/proc/loadavg").Trim()}; .NET {Environment.Version}");
    Console.WriteLine($"Load: {options.Publishers} publishers × {options.MessagesPerPublisher:N0} messages → 1 subscriber on bench/#, {options.PayloadBytes}-byte payloads, " +
        $"QoS 1 window {options.Window} per publisher, {options.WarmupRuns} warm-up + {options.Runs} runs per broker and QoS, run timeout {options.RunTimeout.TotalSeconds:F0} s.");
    if (options.Retain || options.Persistent || options.Rate > 0)
    {
        var topics = options.Retain ? "retained publishes on bench/<run>/<i>/<n % 100>" : options.LeavesState ? "publishes on bench/<run>/<i>" : "publishes on bench/<i>";
        Console.WriteLine($"Scenario: {topics}, " +
            $"{(options.Persistent ? "subscriber with a persistent session (clean session off)" : "clean sessions")}" +
            (options.Rate > 0 ? $"; then paced: {options.Rate:N0} msg/s over all publishers for {options.PacedDuration.TotalSeconds:F0} s" : "") + ".");
    }

    Console.WriteLine($"Note: the load generator runs in this process and shares the {Environment.ProcessorCount} cores with the broker under test; its CPU per message is printed as \"bench\".");
}

// run.sh passes --dashboard-dll to every scenario; the history options do not know it.
static IEnumerable<string> HistoryArguments(string[] args)
{
    for (var i = 0; i < args.Length; i++)
    {
        if (args[i] == "--dashboard-dll")
        {
            i++;
            continue;
        }

        yield return args[i];
    }
}

static string FindDashboardDll()
{
    // The repo root is the folder with Dashboard.sln above this program's bin folder.
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Dashboard.sln")))
        {
            return Path.Combine(dir.FullName, "src", "Dashboard", "bin", "Release", "net10.0", "Dashboard.dll");
        }
    }

    return "src/Dashboard/bin/Release/net10.0/Dashboard.dll";
}
