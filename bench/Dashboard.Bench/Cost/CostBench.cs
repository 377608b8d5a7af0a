using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Dashboard.Bench.Cost;

/// <summary>
/// <c>bench/run.sh cost</c>: what a steady IoT load costs, the app against mosquitto. The load comes from
/// bench/loadgen/loadgen.c (raw sockets, one thread), a process of its own that reports its CPU next to the broker's.
/// Each run starts a fresh process of each broker (turns alternate), measures its start and idle memory, then the
/// scenarios one after the other; the table gives the medians of the runs. With <c>--floor</c>, the floor relay
/// (bench/Dashboard.RelayFloor) runs the same loads in four ways: what any .NET design could reach. See bench/README.md.
/// </summary>
internal static class CostBench
{
    // Every generated connection comes from 127.0.0.1: the guard against one address holding many half-open connections
    // (100 by default) would refuse the connect storm, and its p99 would measure the refusals, not the broker.
    private static readonly KeyValuePair<string, string> OneAddressFleet = new("Broker__MaxPendingConnectionsPerAddress", "100000");

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The floor relay's ways (name, its mode, the runtime's socket completions inline): see its Program.cs.</summary>
    private static readonly (string Name, string Mode, bool Inline)[] Relays =
    [
        ("relay", "direct", false),
        ("relay-inline", "direct", true),
        ("relay-handoff-inline", "handoff", true),
        ("relay-epoll", "epoll", false),
    ];

    /// <summary>One load: the generator's arguments (port and pid are added) and how long it may take at most.</summary>
    private sealed record Scenario(string Key, string Title, string[] Args);

    /// <summary>A table row: which scenario's result field, and how it is printed.</summary>
    private sealed record Row(string Title, string Key, string Field, string Format, bool LowerIsBetter = true);

    private static readonly Scenario[] Scenarios =
    [
        new("idle", "10,000 idle connections", ["idle", "--conns", "10000", "--keepalive", "60", "--hold", "2"]),
        new("connect", "2,000 connects/s", ["connect", "--rate", "2000", "--seconds", "3"]),
        new("paced1", "1 → 1, QoS 1, 1,000 msg/s", ["flow", "--pubs", "1", "--subs", "1", "--qos", "1", "--rate", "1000", "--warmup", "2", "--seconds", "8"]),
        new("paced10", "10 × 100 msg/s → 1, QoS 1", ["flow", "--pubs", "10", "--subs", "1", "--qos", "1", "--rate", "100", "--warmup", "2", "--seconds", "6"]),
        new("fleet", "1 → 1, QoS 1, 1,000 msg/s beside 5,000 devices each subscribed to its own commands",
            ["flow", "--pubs", "1", "--subs", "1", "--qos", "1", "--rate", "1000", "--warmup", "2", "--seconds", "8", "--devices", "5000"]),
        new("fanin", "fan-in 8 → 1, QoS 1, window 100", ["flow", "--pubs", "8", "--subs", "1", "--qos", "1", "--window", "100", "--warmup", "1", "--seconds", "4", "--max-messages", "200000"]),
        new("fanout", "fan-out 1 → 50, QoS 0", ["flow", "--pubs", "1", "--subs", "50", "--qos", "0", "--window", "1000", "--warmup", "1", "--seconds", "4", "--max-messages", "100000"]),
        new("order", "SUBSCRIBE on one connection, PUBLISH at once on another (30 rounds)", ["order", "--rounds", "30", "--gap", "0", "--idle", "50"]),
    ];

    private static readonly Row[] Rows =
    [
        new("1 → 1, QoS 1, 1,000 msg/s: broker CPU (% of a core)", "paced1", "broker_pct", "F1"),
        new("… broker CPU per message (µs)", "paced1", "broker_us_per_msg", "F0"),
        new("… beside 5,000 devices subscribed to cmnd/<id>/#: CPU per message (µs)", "fleet", "broker_us_per_msg", "F0"),
        new("… latency p99 (ms)", "fleet", "p99_ms", "F2"),
        new("10 × 100 msg/s → 1, QoS 1: broker CPU (% of a core)", "paced10", "broker_pct", "F1"),
        new("… latency p50 (ms)", "paced10", "p50_ms", "F3"),
        new("… latency p99 (ms)", "paced10", "p99_ms", "F2"),
        new("10,000 idle connections: RSS per connection (B)", "idle", "bytes_per_conn", "N0"),
        new("connect p99 at 2,000 connects/s (ms)", "connect", "p99_ms", "F2"),
        new("fan-in 8 → 1 flat out, QoS 1: msg/s", "fanin", "messages_per_s", "N0", LowerIsBetter: false),
        new("… latency p99 (ms)", "fanin", "p99_ms", "F1"),
        new("fan-out 1 → 50, QoS 0: deliveries/s", "fanout", "deliveries_per_s", "N0", LowerIsBetter: false),
        new("SUBSCRIBE, then at once a PUBLISH from another client: delivered (%)", "order", "delivered_pct", "F0", LowerIsBetter: false),
        new("PINGREQ → PINGRESP after 50 ms idle, median (µs)", "order", "idle_pingresp_us", "N0"),
        new("idle process RSS after start (MiB)", "start", "rss_mib", "F1"),
        new("start → first CONNACK (ms)", "start", "connack_ms", "N0"),
    ];

    public static async Task<int> RunAsync(string[] args, string dashboardDll, CancellationToken stop)
    {
        var runs = 3;
        string? loadgen = null;
        var mosquitto = "/usr/sbin/mosquitto";
        var keepTemp = false;
        var scenarios = Scenarios;
        string? relay = null;
        var floor = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--runs": runs = int.Parse(args[++i], Invariant); break;
                case "--loadgen": loadgen = args[++i]; break;
                case "--mosquitto": mosquitto = args[++i]; break;
                case "--dashboard-dll": dashboardDll = args[++i]; break;
                case "--keep-temp": keepTemp = true; break;
                case "--floor": floor = true; break;
                case "--relay": relay = args[++i]; break;
                case "--only": // e.g. --only paced1,paced10: a quicker run of some rows
                    var keys = args[++i].Split(',');
                    scenarios = [.. Scenarios.Where(s => keys.Contains(s.Key))];
                    break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]}\n\nbench/run.sh cost [--runs 3] [--only idle,connect,paced1,fleet,paced10,fanin,fanout,order] [--floor] [--keep-temp] [--mosquitto PATH] [--dashboard-dll PATH] [--loadgen PATH] [--relay PATH]");
                    return args[i] is "--help" or "-h" ? 0 : 2;
            }
        }

        if (loadgen is null || !File.Exists(loadgen) || !File.Exists(dashboardDll) || !File.Exists(mosquitto))
        {
            Console.Error.WriteLine($"Needs the generator ({loadgen ?? "--loadgen"}), the app ({dashboardDll}) and mosquitto ({mosquitto}); bench/run.sh cost builds the first two.");
            return 2;
        }

        if (floor && (relay is null || !File.Exists(relay)))
        {
            Console.Error.WriteLine($"--floor needs the relay ({relay ?? "--relay"}); bench/run.sh cost builds it.");
            return 2;
        }

        var temp = Directory.CreateTempSubdirectory("dashboard-cost-");
        Console.WriteLine($"# What a steady load costs, {DateTimeOffset.Now:yyyy-MM-dd HH:mm zzz}");
        Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Trim()}; app {dashboardDll}; {mosquitto}; generator {loadgen}");
        Console.WriteLine($"{runs} runs; each starts a fresh process of each broker (alternating which goes first) and runs: start, {string.Join(", ", scenarios.Select(s => s.Title))}.");
        if (floor)
        {
            Console.WriteLine($"With the floor relay {relay} ({string.Join(", ", Relays.Select(r => r.Name))}), on every load but the fleet's (it matches filters by a list, not a tree).");
        }

        Console.WriteLine();

        // results[broker][scenario] = one dictionary of fields per run
        var results = new Dictionary<string, Dictionary<string, List<Dictionary<string, double>>>>();
        try
        {
            string[] names = [BrokerProcess.MosquittoName, BrokerProcess.DashboardName, .. floor ? Relays.Select(r => r.Name) : []];
            for (var run = 1; run <= runs; run++)
            {
                foreach (var name in run % 2 == 1 ? names : names.Reverse())
                {
                    var perScenario = results.TryGetValue(name, out var existing) ? existing : results[name] = [];
                    void Add(string key, Dictionary<string, double> fields) => (perScenario.TryGetValue(key, out var list) ? list : perScenario[key] = []).Add(fields);

                    Task<double>? connack = null;
                    void Probe(BrokerProcess b) => connack = Task.Run(() => FirstConnackMs(b, stop), stop);
                    var dir = Directory.CreateDirectory(Path.Combine(temp.FullName, $"{name}-{run}")).FullName;
                    var isRelay = Relays.Any(r => r.Name == name);
                    var broker = name == BrokerProcess.MosquittoName
                        ? await BrokerProcess.StartMosquittoAsync(mosquitto, noDelay: false, dir, stop, started: Probe)
                        : isRelay
                            ? await StartRelayAsync(relay!, name, dir, stop, Probe)
                            : await BrokerProcess.StartDashboardAsync(dashboardDll, [OneAddressFleet], dir, stop, started: Probe);
                    await using (broker)
                    {
                        var connackMs = await connack!;
                        await Task.Delay(1000, stop); // settle after start: what an idle process holds
                        var start = new Dictionary<string, double> { ["connack_ms"] = connackMs, ["rss_mib"] = broker.RssMiB() };
                        Add("start", start);
                        Console.WriteLine($"run {run}/{runs} {name,-10} start: first CONNACK {connackMs:N0} ms after the process started, idle RSS {start["rss_mib"]:F1} MiB (pid {broker.Pid})");
                        foreach (var scenario in scenarios.Where(s => !isRelay || s.Key != "fleet"))
                        {
                            Dictionary<string, double> fields;
                            try
                            {
                                await QuietAsync(broker, stop);
                                fields = await RunLoadgenAsync(loadgen, scenario, broker, stop);
                            }
                            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
                            {
                                // A broker that fails a load is a finding: print it, leave the row without this run.
                                Console.WriteLine($"run {run}/{runs} {name,-10} {scenario.Title}: FAILED, {ex.Message}");
                                continue;
                            }

                            Add(scenario.Key, fields);
                            Console.WriteLine($"run {run}/{runs} {name,-10} {scenario.Title}: {Describe(fields)}");
                        }

                        var problems = broker.LoggedProblems();
                        if (problems.Count > 0)
                        {
                            Console.WriteLine($"  {name} logged {problems.Count} warnings/errors, first: {string.Join(" | ", problems.Take(2))}");
                        }
                    }
                }
            }

            PrintTable(results, names);
            return 0;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Console.Error.WriteLine("Interrupted.");
            return 130;
        }
        finally
        {
            if (keepTemp)
            {
                Console.WriteLine($"Kept {temp.FullName}");
            }
            else
            {
                temp.Delete(recursive: true);
            }
        }
    }

    private static Task<BrokerProcess> StartRelayAsync(string dll, string name, string dir, CancellationToken stop, Action<BrokerProcess> started)
    {
        var (_, mode, inline) = Relays.Single(r => r.Name == name);
        return BrokerProcess.StartRelayAsync(dll, name, mode, inline, dir, stop, started);
    }

    private static string Describe(Dictionary<string, double> f)
    {
        string Get(string k, string format) => f.TryGetValue(k, out var v) ? v.ToString(format, Invariant) : "-";
        return f.ContainsKey("bytes_per_conn")
            ? $"{Get("conns", "N0")} connections, RSS {Get("rss_before_kb", "N0")} → {Get("rss_after_kb", "N0")} KiB = {Get("bytes_per_conn", "N0")} B each; opened in {Get("connect_s", "F2")} s; generator CPU {Get("gen_cpu_s", "F2")} s, broker {Get("broker_cpu_s", "F2")} s"
            : f.ContainsKey("delivered_pct")
                ? $"{Get("delivered", "N0")}/{Get("rounds", "N0")} delivered ({Get("delivered_pct", "F0")} %), PINGRESP after 50 ms idle {Get("idle_pingresp_us", "N0")} µs; failures {Get("failures", "N0")}"
            : f.ContainsKey("opened")
                ? $"{Get("connacks", "N0")}/{Get("opened", "N0")} CONNACKs, p50 {Get("p50_ms", "F2")} ms, p99 {Get("p99_ms", "F2")} ms, max {Get("max_ms", "F1")} ms; broker {Get("broker_pct", "F1")} %, generator {Get("gen_pct", "F1")} % of a core; failures {Get("failures", "N0")}"
                : $"{Get("messages_per_s", "N0")} msg/s ({Get("deliveries_per_s", "N0")} deliveries/s), p50 {Get("p50_ms", "F3")} ms, p99 {Get("p99_ms", "F2")} ms, max {Get("max_ms", "F1")} ms; " +
                  $"broker {Get("broker_pct", "F1")} % of a core, {Get("broker_us_per_msg", "F1")} µs/msg; generator {Get("gen_pct", "F1")} %; received {Get("received", "N0")}/{Get("expected", "N0")}, behind schedule {Get("behind", "N0")}, failures {Get("failures", "N0")}";
    }

    /// <summary>
    /// Waits (5 s at most) until the broker has used under 5 % of a core for 250 ms, so a scenario does not measure what
    /// the one before left to do: 10,000 disconnects took the app half a second of a core, and its connect p99 then
    /// measured those instead of the connects.
    /// </summary>
    private static async Task QuietAsync(BrokerProcess broker, CancellationToken stop)
    {
        var period = TimeSpan.FromMilliseconds(250);
        for (var waited = TimeSpan.Zero; waited < TimeSpan.FromSeconds(5); waited += period)
        {
            var before = broker.CpuTime().Total;
            await Task.Delay(period, stop);
            if (broker.CpuTime().Total - before < period * 0.05)
            {
                return;
            }
        }
    }

    private static async Task<Dictionary<string, double>> RunLoadgenAsync(string loadgen, Scenario scenario, BrokerProcess broker, CancellationToken stop)
    {
        var start = new ProcessStartInfo(loadgen, [.. scenario.Args, "--port", broker.MqttPort.ToString(Invariant), "--pid", broker.Pid.ToString(Invariant)])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(stop);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw stop.IsCancellationRequested ? new OperationCanceledException(stop) : new TimeoutException($"loadgen {scenario.Key} did not finish in 90 s");
        }

        var line = (await output).Split('\n').FirstOrDefault(l => l.StartsWith("result ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"loadgen {scenario.Key} exited with {process.ExitCode} and no result");
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(kv => kv.Split('=', 2))
            .Where(kv => double.TryParse(kv[1], NumberStyles.Float, Invariant, out _))
            .ToDictionary(kv => kv[0], kv => double.Parse(kv[1], NumberStyles.Float, Invariant));
        if (fields.TryGetValue("broker_cores", out var cores))
        {
            fields["broker_pct"] = cores * 100;
        }

        if (fields.TryGetValue("gen_cores", out var gen))
        {
            fields["gen_pct"] = gen * 100;
        }

        return fields;
    }

    /// <summary>Time from the process start to the first CONNACK: a raw MQTT 3.1.1 CONNECT tried every 5 ms.</summary>
    private static double FirstConnackMs(BrokerProcess broker, CancellationToken stop)
    {
        byte[] connect = [0x10, 0x12, 0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, 2, 0, 60, 0, 6, (byte)'s', (byte)'t', (byte)'a', (byte)'r', (byte)'t', (byte)'1'];
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            stop.ThrowIfCancellationRequested();
            try
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 2000, NoDelay = true };
                socket.Connect(IPAddress.Loopback, broker.MqttPort);
                socket.Send(connect);
                var reply = new byte[4];
                var got = 0;
                while (got < 4 && socket.Receive(reply, got, 4 - got, SocketFlags.None) is var n and > 0)
                {
                    got += n;
                }

                if (got == 4 && reply[0] == 0x20 && reply[3] == 0)
                {
                    var ms = Stopwatch.GetElapsedTime(broker.StartedAt).TotalMilliseconds;
                    socket.Send([0xE0, 0]);
                    return ms;
                }
            }
            catch (SocketException)
            {
                // Not listening yet.
            }

            Thread.Sleep(5);
        }

        throw new TimeoutException($"{broker.Name} sent no CONNACK within 60 s");
    }

    private static void PrintTable(Dictionary<string, Dictionary<string, List<Dictionary<string, double>>>> results, string[] names)
    {
        double? Median(string broker, string key, string field)
        {
            if (!results.TryGetValue(broker, out var s) || !s.TryGetValue(key, out var runs))
            {
                return null;
            }

            // The generator prints -1 for a figure it has no sample for (no message sent in the window arrived in it).
            var values = runs.Where(r => r.TryGetValue(field, out var v) && v >= 0).Select(r => r[field]).Order().ToList();
            return values.Count == 0 ? null : values.Count % 2 == 1 ? values[values.Count / 2] : (values[values.Count / 2 - 1] + values[values.Count / 2]) / 2;
        }

        string Cell(double? v, string format) => v?.ToString(format, Invariant) ?? "-";
        var relays = names.Skip(2).ToArray();
        Console.WriteLine();
        Console.WriteLine("Medians of the runs (ratio = app / mosquitto; a relay's own ratio to mosquitto in brackets):");
        Console.WriteLine();
        Console.WriteLine($"| load | mosquitto | app | ratio |{string.Concat(relays.Select(r => $" {r} |"))}");
        Console.WriteLine($"|---|---:|---:|---:|{string.Concat(relays.Select(_ => "---:|"))}");
        foreach (var row in Rows)
        {
            var m = Median(BrokerProcess.MosquittoName, row.Key, row.Field);
            var a = Median(BrokerProcess.DashboardName, row.Key, row.Field);
            string Ratio(double? x) => m is > 0 && x is not null ? $"{x / m:F2}×" : "-";
            var relayCells = relays.Select(r => Median(r, row.Key, row.Field) is { } v ? $" {Cell(v, row.Format)} ({Ratio(v)}) |" : " - |");
            Console.WriteLine($"| {row.Title} | {Cell(m, row.Format)} | {Cell(a, row.Format)} | {Ratio(a)} |{string.Concat(relayCells)}");
        }

        Console.WriteLine();
        Console.WriteLine("The generator's own CPU (getrusage) against the broker's over the same window, % of a core (medians):");
        Console.WriteLine();
        Console.WriteLine($"| scenario |{string.Concat(names.Select(n => $" generator vs {n} |"))}");
        Console.WriteLine($"|---|{string.Concat(names.Select(_ => "---:|"))}");
        foreach (var scenario in Scenarios)
        {
            string Pair(string broker) => scenario.Key == "idle"
                ? $"{Cell(Median(broker, "idle", "gen_cpu_s"), "F2")} s / {Cell(Median(broker, "idle", "broker_cpu_s"), "F2")} s CPU"
                : $"{Cell(Median(broker, scenario.Key, "gen_pct"), "F1")} % / {Cell(Median(broker, scenario.Key, "broker_pct"), "F1")} %";
            Console.WriteLine($"| {scenario.Title} |{string.Concat(names.Select(n => $" {Pair(n)} |"))}");
        }
    }
}
