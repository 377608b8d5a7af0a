using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MQTTnet.Protocol;

namespace Dashboard.Bench.Security;

/// <summary>
/// <c>bench/run.sh security</c>: what broker users and ACLs cost. CONNECT rate and latency, anonymous against
/// username/password, and delivery rate, no ACL against 20-entry ACLs checked on every publish and delivery; the
/// Dashboard against mosquitto configured alike, each in an open and a secured process, in the same run. See bench/README.md.
/// </summary>
internal static class SecurityBench
{
    private const string Open = "open";
    private const string Secured = "auth+acl";
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>A broker process and how it was set up.</summary>
    private sealed record Target(BrokerProcess Broker, string Config)
    {
        public string Label => $"{Broker.Name} {Config}";
        public bool IsSecured => Config != Open;
    }

    /// <summary>
    /// Secured brokers are measured twice: "first connect", every user's password checked afresh (the Dashboard
    /// forgets its remembered checks first), and "reconnect", the same users again within the Dashboard's 5 minutes.
    /// </summary>
    private sealed record ConnectCase(Target Target, string Phase)
    {
        public const string First = "first connect";
        public const string Again = "reconnect";

        public string Label => Phase.Length == 0 ? Target.Label : $"{Target.Label}, {Phase}";
    }

    private sealed record ConnectMeasurement(ConnectCase Case, int Concurrency, ConnectResult Result);

    private sealed record DeliveryMeasurement(Target Target, MqttQualityOfServiceLevel Qos, RunResult Result);

    /// <summary>
    /// Every user's ACL, the same for all so that mosquitto can have it as <c>pattern</c> lines: first entries that never
    /// match (%u and %c in turn, so each is substituted and compared), then the two that grant: a publish is allowed by
    /// the second last (devices/%u/#, write), a delivery by the last (devices/#, read). Both brokers go through the
    /// non-matching ones before finding the grant.
    /// </summary>
    public static List<(string Filter, string Access)> AclRules(int count)
    {
        var rules = new List<(string, string)>();
        for (var k = 0; k < count - 2; k++)
        {
            rules.Add(($"fleet/{(k % 2 == 0 ? "%u" : "%c")}/r{k}/#", "readwrite"));
        }

        rules.Add(("devices/%u/#", "write"));
        rules.Add(("devices/#", "read"));
        return rules;
    }

    public static async Task<int> RunAsync(string[] args, string defaultDashboardDll, CancellationToken stop)
    {
        var options = SecurityBenchOptions.Parse(args, out var error);
        if (options is null)
        {
            Console.Error.WriteLine(error is { Length: > 0 } ? $"{error}\n\n{SecurityBenchOptions.Usage}" : SecurityBenchOptions.Usage);
            return error is { Length: > 0 } ? 2 : 0;
        }

        var load = options.Load;
        var dll = load.DashboardDll ?? defaultDashboardDll;
        if (load.Brokers.Contains(BrokerProcess.DashboardName) && !File.Exists(dll))
        {
            Console.Error.WriteLine($"{dll} not found: build it with `dotnet build src/Dashboard -c Release`.");
            return 2;
        }

        if (load.Brokers.Contains(BrokerProcess.MosquittoName) && (!File.Exists(load.Mosquitto) || !File.Exists(options.MosquittoPasswd)))
        {
            Console.Error.WriteLine($"{load.Mosquitto} or {options.MosquittoPasswd} not found: install them with `apt-get install mosquitto`.");
            return 2;
        }

        var temp = Directory.CreateTempSubdirectory("dashboard-security-bench-");
        var targets = new List<Target>();
        try
        {
            PrintSetup(options);
            var users = Users(options);
            foreach (var kind in load.Brokers)
            {
                targets.Add(await StartAsync(kind, Open, options, dll, users, Path.Combine(temp.FullName, $"{kind}-open"), stop));
                targets.Add(await StartAsync(kind, Secured, options, dll, users, Path.Combine(temp.FullName, $"{kind}-secured"), stop));
                if (kind == BrokerProcess.MosquittoName && options.MosquittoIterations is { } iterations)
                {
                    targets.Add(await StartAsync(kind, $"auth+acl, {iterations} iterations", options, dll, users, Path.Combine(temp.FullName, $"{kind}-iterations"), stop));
                }
            }

            var connects = new List<ConnectMeasurement>();
            if (!options.SkipConnect)
            {
                List<ConnectCase> cases = [.. targets.SelectMany(t => t.IsSecured
                    ? new[] { new ConnectCase(t, ConnectCase.First), new ConnectCase(t, ConnectCase.Again) }
                    : [new ConnectCase(t, "")])];
                foreach (var concurrency in options.Concurrency)
                {
                    Console.WriteLine();
                    Console.WriteLine($"### CONNECT, {options.Connects} clients, {concurrency} at a time");
                    await EachRunAsync(cases, load, async (connectCase, label, runId, counted) =>
                    {
                        var target = connectCase.Target;
                        if (connectCase.Phase == ConnectCase.First && target.Broker.Name == BrokerProcess.DashboardName)
                        {
                            using var api = DashboardApi.For(target.Broker);
                            await api.TouchUserAsync("probe", AclRules(options.Rules), stop);
                        }

                        var result = await ConnectRun.RunAsync(target.Broker, options.Connects, concurrency,
                            i => target.IsSecured ? Credentials(ConnectUser(i)) : null,
                            target.IsSecured ? Credentials("probe") : null, load, runId, stop);
                        Console.WriteLine(ConnectLine(connectCase, concurrency, label, result));
                        if (counted)
                        {
                            connects.Add(new ConnectMeasurement(connectCase, concurrency, result));
                        }
                    });
                }
            }

            var deliveries = new List<DeliveryMeasurement>();
            if (!options.SkipDelivery)
            {
                foreach (var qos in load.QosLevels)
                {
                    Console.WriteLine();
                    Console.WriteLine($"### Delivery, {load.Publishers} publishers → 1 subscriber, QoS {(int)qos}");
                    await EachRunAsync(targets, load, async (target, label, runId, counted) =>
                    {
                        var loadTarget = new LoadTarget("devices/#", i => $"devices/{PublisherUser(i)}/data",
                            target.IsSecured ? Credentials("sub") : null,
                            i => target.IsSecured ? Credentials(PublisherUser(i)) : null);
                        var result = await LoadRun.RunAsync(target.Broker, qos, load, loadTarget, runId, stop);
                        Console.WriteLine(Report.RunLine(target.Label, qos, label, result));
                        if (counted)
                        {
                            deliveries.Add(new DeliveryMeasurement(target, qos, result));
                        }
                    });
                }
            }

            PrintSummary(options, targets, connects, deliveries);
            return 0;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Console.Error.WriteLine("Interrupted.");
            return 130;
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or HttpRequestException)
        {
            Console.Error.WriteLine($"The security bench stopped: {ex.Message}");
            return 1;
        }
        finally
        {
            foreach (var target in targets)
            {
                var problems = target.Broker.LoggedProblems();
                Console.WriteLine($"- {target.Label} log: {problems.Count} warning/error entries{(problems.Count > 0 ? ", first: " : "")}{string.Join(" | ", problems.Take(3))}");
                await target.Broker.DisposeAsync();
            }

            if (load.KeepTemp)
            {
                Console.WriteLine($"- Logs, configs and databases kept in {temp.FullName}");
            }
            else
            {
                temp.Delete(recursive: true);
            }
        }
    }

    /// <summary>Warm-ups, then the measured runs with the brokers taking turns in alternating order, so a slow spell of the machine hits all alike.</summary>
    private static async Task EachRunAsync<T>(List<T> targets, BenchOptions load, Func<T, string, string, bool, Task> run)
    {
        foreach (var target in targets)
        {
            for (var w = 1; w <= load.WarmupRuns; w++)
            {
                await run(target, "warm-up", $"{Id()}-w{w}", false);
            }
        }

        for (var r = 1; r <= load.Runs; r++)
        {
            foreach (var target in r % 2 == 1 ? targets : Enumerable.Reverse(targets))
            {
                await run(target, $"run {r}/{load.Runs}", $"{Id()}-r{r}", true);
            }
        }

        // Client ids unique in the whole bench: a broker never sees an id taken over from an earlier run.
        static string Id() => Guid.NewGuid().ToString("N")[..8];
    }

    private static string ConnectUser(int i) => $"dev{i:D4}";

    private static string PublisherUser(int i) => $"pub{i}";

    private static MqttCredentials Credentials(string user) => new(user, $"secret-{user}-Pw1");

    /// <summary>The CONNECT runs' users, the delivery runs' publishers and subscriber, and the probe.</summary>
    private static List<string> Users(SecurityBenchOptions options) =>
        [.. Enumerable.Range(0, options.Connects).Select(ConnectUser), .. Enumerable.Range(0, options.Load.Publishers).Select(PublisherUser), "sub", "probe"];

    private static async Task<Target> StartAsync(string kind, string config, SecurityBenchOptions options, string dll, List<string> users, string folder, CancellationToken stop)
    {
        Directory.CreateDirectory(folder);
        var load = options.Load;
        var rules = AclRules(options.Rules);
        var setup = Stopwatch.StartNew();
        BrokerProcess broker;
        string how;
        if (kind == BrokerProcess.DashboardName)
        {
            var environment = config == Open ? load.DashboardEnvironment : [.. load.DashboardEnvironment, new("Broker__AllowAnonymous", "false")];
            broker = await BrokerProcess.StartDashboardAsync(dll, environment, folder, stop);
            how = "no users, Broker:AllowAnonymous=true";
            if (config != Open)
            {
                // Through the HTTP API, as an administrator would; the app hashes each password (PBKDF2) and stores it in SQLite.
                using var api = DashboardApi.For(broker);
                foreach (var user in users)
                {
                    await api.CreateUserAsync(user, Credentials(user).Password, rules, stop);
                }

                how = $"{users.Count} users created through /api/broker-users in {setup.Elapsed.TotalSeconds:F1} s, {rules.Count} ACL entries each, Broker:AllowAnonymous=false";
            }
        }
        else
        {
            string? security = null;
            how = "allow_anonymous true, no password_file, no acl_file";
            if (config != Open)
            {
                var passwords = Path.Combine(folder, "passwords");
                var acl = Path.Combine(folder, "acl");
                await WritePasswordFileAsync(options, passwords, users, config == Secured ? null : options.MosquittoIterations, stop);
                await File.WriteAllLinesAsync(acl, ["# Every user's ACL (see SecurityBench.AclRules).", .. rules.Select(r => $"pattern {r.Access} {r.Filter}")], stop);
                // Started as root, mosquitto drops to user "mosquitto" before it reads these files, which the bench's
                // private temp folder does not let it do: it stays the user the bench runs as (without root, no switch happens).
                security = $"password_file {passwords}\nacl_file {acl}\nuser {Environment.UserName}";
                how = $"{users.Count} users by mosquitto_passwd -b in {setup.Elapsed.TotalSeconds:F1} s{(config == Secured ? "" : $", rehashed with {options.MosquittoIterations} iterations")}, acl_file of {rules.Count} pattern lines, allow_anonymous false";
            }

            broker = await BrokerProcess.StartMosquittoAsync(load.Mosquitto, load.MosquittoNoDelay, folder, stop, security);
        }

        var target = new Target(broker, config);
        Console.WriteLine($"Started {target.Label}: pid {broker.Pid}, MQTT on 127.0.0.1:{broker.MqttPort}, RSS {broker.RssMiB():F0} MiB; {how}");
        return target;
    }

    /// <summary>
    /// One <c>mosquitto_passwd -b</c> per user, as an administrator would. With <paramref name="iterations"/>, each hash
    /// is then recomputed with that many PBKDF2-SHA512 iterations in mosquitto's own format ($7$iterations$salt$hash,
    /// 12-byte salt, 64-byte hash), which mosquitto verifies with the count the line gives.
    /// </summary>
    private static async Task WritePasswordFileAsync(SecurityBenchOptions options, string path, List<string> users, int? iterations, CancellationToken stop)
    {
        for (var i = 0; i < users.Count; i++)
        {
            string[] arguments = i == 0 ? ["-c", "-b", path, users[i], Credentials(users[i]).Password] : ["-b", path, users[i], Credentials(users[i]).Password];
            using var process = Process.Start(new ProcessStartInfo(options.MosquittoPasswd, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })
                ?? throw new InvalidOperationException($"{options.MosquittoPasswd} did not start");
            await process.WaitForExitAsync(stop);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"mosquitto_passwd -b for {users[i]} exited with {process.ExitCode}: {await process.StandardError.ReadToEndAsync(stop)}");
            }
        }

        if (iterations is { } count)
        {
            var lines = await File.ReadAllLinesAsync(path, stop);
            await File.WriteAllLinesAsync(path, lines.Where(l => l.Contains(':', StringComparison.Ordinal)).Select(line =>
            {
                var user = line[..line.IndexOf(':', StringComparison.Ordinal)];
                var salt = RandomNumberGenerator.GetBytes(12);
                var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(Credentials(user).Password), salt, count, HashAlgorithmName.SHA512, 64);
                return $"{user}:$7${count}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
            }), stop);
        }
    }

    private static void PrintSetup(SecurityBenchOptions options)
    {
        var load = options.Load;
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        Console.WriteLine($"# Broker security benchmark, {DateTimeOffset.Now:yyyy-MM-dd HH:mm zzz}");
        Console.WriteLine($"Machine: {Environment.ProcessorCount} cores ({cpu}), load average {File.ReadAllText("/proc/loadavg").Trim()}; .NET {Environment.Version}");
        Console.WriteLine($"CONNECT: {options.Connects} clients per run, {string.Join(" and ", options.Concurrency)} at a time; delivery: {load.Publishers} publishers × {load.MessagesPerPublisher:N0} messages → 1 subscriber, " +
            $"{load.PayloadBytes}-byte payloads, QoS {string.Join(",", load.QosLevels.Select(q => (int)q))}; {load.WarmupRuns} warm-up + {load.Runs} runs per broker and scenario; {options.Rules} ACL entries per user.");
        Console.WriteLine($"Note: the MQTTnet clients run in this process and share the {Environment.ProcessorCount} cores with the brokers; each line shows the 1-minute load average.");
    }

    private static string ConnectLine(ConnectCase target, int concurrency, string label, ConnectResult r)
    {
        var line = string.Format(Invariant,
            "{0,-42} ×{1,-2} {2,-9} {3,8:F1} conn/s  connected {4}/{5}  p50 {6,7:F1} ms  p99 {7,7:F1} ms  broker {8,6:F2} ms/conn {9,4:F2} cores  probe p50 {10:F1} p99 {11:F1} max {12:F1} ms  load {13:F1}",
            target.Label, concurrency, label, r.ConnectsPerSecond, r.Connected, r.Attempted, Percentile(r.LatenciesMs, 0.5), Percentile(r.LatenciesMs, 0.99),
            r.BrokerMsPerConnect, r.BrokerCores, Percentile(r.ProbeRttMs, 0.5), Percentile(r.ProbeRttMs, 0.99), r.ProbeRttMs.DefaultIfEmpty(double.NaN).Max(), r.LoadAverage);
        return r.Failed > 0 ? line + $"  {r.Failed} FAILED (first: {r.FirstError})" : line;
    }

    private static void PrintSummary(SecurityBenchOptions options, List<Target> targets, List<ConnectMeasurement> connects, List<DeliveryMeasurement> deliveries)
    {
        var load = options.Load;
        Console.WriteLine();
        Console.WriteLine($"## Results: medians of {load.Runs} runs; load average at the end {File.ReadAllText("/proc/loadavg").Trim()}");
        if (connects.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine($"### CONNECT → CONNACK, {options.Connects} clients per run, MQTT {(load.ProtocolVersion == MQTTnet.Formatter.MqttProtocolVersion.V500 ? "5" : "3.1.1")}, loopback TCP");
            Console.WriteLine();
            Console.WriteLine("| broker | at a time | median conn/s | runs (conn/s) | latency p50 ms | p99 ms | broker CPU ms/connect | probe RTT p50 / p99 / max ms | failed | load |");
            Console.WriteLine("|---|---:|---:|---|---:|---:|---:|---|---:|---|");
            foreach (var group in connects.GroupBy(m => (m.Case, m.Concurrency)))
            {
                var results = group.Select(m => m.Result).ToList();
                double[] latencies = [.. results.SelectMany(r => r.LatenciesMs)];
                double[] probe = [.. results.SelectMany(r => r.ProbeRttMs)];
                Console.WriteLine(string.Format(Invariant, "| {0} | {1} | **{2:F1}** | {3} | {4:F1} | {5:F1} | {6:F2} | {7:F1} / {8:F1} / {9:F1} | {10} | {11} |",
                    group.Key.Case.Label, group.Key.Concurrency, Report.Median(results.Select(r => r.ConnectsPerSecond)),
                    string.Join(" / ", results.Select(r => r.ConnectsPerSecond.ToString("F1", Invariant))),
                    Percentile(latencies, 0.5), Percentile(latencies, 0.99), Report.Median(results.Select(r => r.BrokerMsPerConnect)),
                    Percentile(probe, 0.5), Percentile(probe, 0.99), probe.DefaultIfEmpty(double.NaN).Max(), results.Sum(r => r.Failed),
                    string.Join(" / ", results.Select(r => r.LoadAverage.ToString("F1", Invariant)))));
            }

            Console.WriteLine();
            Console.WriteLine("Latency percentiles and the probe's are over all measured runs' samples pooled; the probe is an already connected client publishing to itself every 20 ms during the run.");
            foreach (var concurrency in options.Concurrency)
            {
                foreach (var phase in new[] { ConnectCase.First, ConnectCase.Again })
                {
                    // Open brokers have one case; secured ones the phase's.
                    double Rate(Target t) => Report.Median(connects
                        .Where(m => m.Case.Target == t && m.Concurrency == concurrency && (m.Case.Phase == phase || m.Case.Phase.Length == 0))
                        .Select(m => m.Result.ConnectsPerSecond));
                    PrintRatios($"CONNECT ×{concurrency} ({phase} when secured)", targets, Rate, "conn/s");
                }
            }
        }

        if (deliveries.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine($"### Delivery: {load.Publishers} publishers → 1 subscriber, {load.MessagesPerPublisher:N0} messages each, {load.PayloadBytes}-byte payloads; " +
                $"secured: every publish and delivery checked against {options.Rules} ACL entries");
            Console.WriteLine();
            Console.WriteLine("| broker | QoS | median msg/s | runs (msg/s) | lost | broker CPU µs/msg | broker cores busy | bench CPU µs/msg | load |");
            Console.WriteLine("|---|---|---:|---|---:|---:|---:|---:|---|");
            foreach (var group in deliveries.GroupBy(m => (m.Qos, m.Target)).OrderBy(g => g.Key.Qos))
            {
                var results = group.Select(m => m.Result).ToList();
                Console.WriteLine(string.Format(Invariant, "| {0} | {1} | **{2:N0}** | {3} | {4:N0} | {5:F1} | {6:F2} | {7:F1} | {8} |",
                    group.Key.Target.Label, (int)group.Key.Qos, Report.Median(results.Select(r => r.MessagesPerSecond)),
                    string.Join(" / ", results.Select(r => r.MessagesPerSecond.ToString("N0", Invariant))),
                    results.Sum(r => r.Lost + (r.Attempted - r.Sent)), Report.Median(results.Select(r => r.BrokerMicrosPerMessage)),
                    Report.Median(results.Select(r => r.BrokerCores)), Report.Median(results.Select(r => r.BenchMicrosPerMessage)),
                    string.Join(" / ", results.Select(r => r.LoadAverage.ToString("F1", Invariant)))));
            }

            Console.WriteLine();
            foreach (var qos in load.QosLevels)
            {
                double Rate(Target t) => Report.Median(deliveries.Where(m => m.Target == t && m.Qos == qos).Select(m => m.Result.MessagesPerSecond));
                double Cpu(Target t) => Report.Median(deliveries.Where(m => m.Target == t && m.Qos == qos).Select(m => m.Result.BrokerMicrosPerMessage));
                PrintRatios($"Delivery QoS {(int)qos}", targets, Rate, "msg/s");
                PrintRatios($"Delivery QoS {(int)qos}", targets, Cpu, "broker CPU µs/msg");
            }
        }

        foreach (var target in targets)
        {
            Console.WriteLine(string.Format(Invariant, "- {0} (pid {1}): peak RSS (VmHWM) {2:F0} MiB, RSS at the end {3:F0} MiB", target.Label, target.Broker.Pid, target.Broker.PeakRssMiB(), target.Broker.RssMiB()));
        }
    }

    /// <summary>Secured / open for each broker, and Dashboard / mosquitto for each configuration.</summary>
    private static void PrintRatios(string scenario, List<Target> targets, Func<Target, double> figure, string unit)
    {
        var parts = new List<string>();
        foreach (var kind in targets.Select(t => t.Broker.Name).Distinct())
        {
            var open = targets.FirstOrDefault(t => t.Broker.Name == kind && !t.IsSecured);
            var secured = targets.FirstOrDefault(t => t.Broker.Name == kind && t.Config == Secured);
            if (open is not null && secured is not null)
            {
                parts.Add(string.Format(Invariant, "{0} secured/open {1:G3}×", kind, figure(secured) / figure(open)));
            }
        }

        foreach (var config in targets.Select(t => t.Config).Distinct())
        {
            var dashboard = targets.FirstOrDefault(t => t.Broker.Name == BrokerProcess.DashboardName && t.Config == config);
            var mosquitto = targets.FirstOrDefault(t => t.Broker.Name == BrokerProcess.MosquittoName && t.Config == config);
            if (dashboard is not null && mosquitto is not null)
            {
                parts.Add(string.Format(Invariant, "{0}: Dashboard/mosquitto **{1:G3}×**", config, figure(dashboard) / figure(mosquitto)));
            }
        }

        if (parts.Count > 0)
        {
            Console.WriteLine($"- {scenario}, {unit}: {string.Join("; ", parts)}");
        }
    }

    private static double Percentile(double[] values, double p)
    {
        if (values.Length == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}
