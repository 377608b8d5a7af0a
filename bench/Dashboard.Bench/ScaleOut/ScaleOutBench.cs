using System.Globalization;
using System.Text.RegularExpressions;
using Dashboard.Bench.History;
using Dashboard.Servers;

namespace Dashboard.Bench.ScaleOut;

/// <summary>
/// <c>bench/run.sh scaleout</c>: ingestion with one and with two dashboard instances in <c>Broker:Mode=External</c> against
/// Debian's mosquitto, on PostgreSQL (and Redis for two), all started here on free loopback ports. See bench/README.md.
/// </summary>
internal static partial class ScaleOutBench
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(string[] args, string defaultDll, CancellationToken stop)
    {
        var o = ScaleOutOptions.Parse(args, out var error);
        if (o is null)
        {
            Console.Error.WriteLine(error is { Length: > 0 } ? $"{error}\n\n{ScaleOutOptions.Usage}" : ScaleOutOptions.Usage);
            return error is { Length: > 0 } ? 2 : 0;
        }

        var dll = o.DashboardDll ?? defaultDll;
        foreach (var (file, hint) in new[] { (dll, "build it with `dotnet build src/Dashboard -c Release`"), (o.Mosquitto, "apt-get install mosquitto"), ("/usr/bin/redis-server", "apt-get install redis-server") })
        {
            if (!File.Exists(file))
            {
                Console.Error.WriteLine($"{file} not found: {hint}.");
                return 2;
            }
        }

        var temp = Directory.CreateTempSubdirectory("dashboard-scaleout-bench-");
        PostgreSqlServer? postgres = null;
        RedisServer? redis = null;
        var results = new List<ScaleOutResult>();
        try
        {
            var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
            Console.WriteLine($"# Scale-out benchmark, {DateTimeOffset.Now:yyyy-MM-dd HH:mm zzz}");
            Console.WriteLine($"Machine: {Environment.ProcessorCount} cores ({cpu}), load average {File.ReadAllText("/proc/loadavg").Trim()}; .NET {Environment.Version}");
            Console.WriteLine($"Load: {o.Publishers} publishers × {o.TopicsPerPublisher} topics, QoS 1 (window {o.Window} each), one reading per message; " +
                $"{(o.Rate > 0 ? $"paced at {o.Rate:N0} msg/s" : "")}{(o.Rate > 0 && o.FlatOut ? " and " : "")}{(o.FlatOut ? "flat out" : "")}, " +
                $"{o.RunDuration.TotalSeconds:F0} s or {o.MaxMessages:N0} messages per run, {o.Runs} runs each after a {o.WarmupDuration.TotalSeconds:F0} s warm-up; " +
                $"delay probe every {o.ProbeInterval.TotalMilliseconds:F0} ms.");
            postgres = await BenchServers.StartPostgreSqlAsync(temp.FullName, o.PostgreSqlSettings);
            Console.WriteLine($"Started PostgreSQL: pid {postgres.Pid}, 127.0.0.1:{postgres.Port}, settings: defaults{string.Concat(o.PostgreSqlSettings.Select(s => ", " + s))}");
            if (o.Instances.Any(n => n > 1))
            {
                redis = await BenchServers.StartRedisAsync(temp.FullName);
                Console.WriteLine($"Started Redis: pid {redis.Pid}, {redis.Configuration}");
            }

            foreach (var instances in o.Instances)
            {
                results.AddRange(await ConfigurationAsync(instances, dll, postgres, redis, o, temp.FullName, stop));
            }

            PrintSummary(results, o);
            return 0;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Console.Error.WriteLine("Interrupted.");
            return 130;
        }
        finally
        {
            if (redis is not null)
            {
                await redis.DisposeAsync();
            }

            if (postgres is not null)
            {
                await postgres.DisposeAsync();
            }

            if (o.KeepTemp)
            {
                Console.WriteLine($"- Logs and configs kept in {temp.FullName}");
            }
            else
            {
                temp.Delete(recursive: true);
            }
        }
    }

    /// <summary>A fresh mosquitto and database, <paramref name="instances"/> dashboards in one shared group; warm-up, then the runs.</summary>
    private static async Task<List<ScaleOutResult>> ConfigurationAsync(int instances, string dll, PostgreSqlServer postgres, RedisServer? redis,
        ScaleOutOptions o, string temp, CancellationToken stop)
    {
        Console.WriteLine();
        Console.WriteLine($"## {instances} instance{(instances > 1 ? "s" : "")}");
        var folder = Directory.CreateDirectory(Path.Combine(temp, $"instances-{instances}")).FullName;
        var mosquitto = await BrokerProcess.StartMosquittoAsync(o.Mosquitto, noDelay: false, folder, stop, sysInterval: 1);
        var dashboards = new List<BrokerProcess>();
        SysCounter? delivered = null;
        var results = new List<ScaleOutResult>();
        try
        {
            Console.WriteLine($"Started mosquitto: pid {mosquitto.Pid}, 127.0.0.1:{mosquitto.MqttPort}; {mosquitto.Settings}");
            var connectionString = await postgres.CreateDatabaseAsync($"scaleout_{instances}");
            for (var i = 1; i <= instances; i++)
            {
                // One after the other: the first migrates the new database.
                List<KeyValuePair<string, string>> environment =
                [
                    new("Storage__Provider", "PostgreSQL"),
                    new("ConnectionStrings__Dashboard", connectionString),
                    new("Broker__Mode", "External"),
                    new("Broker__External__Host", "127.0.0.1"),
                    new("Broker__External__Port", mosquitto.MqttPort.ToString(Invariant)),
                    new("Broker__External__ClientId", $"bench-dashboard-{i}"),
                    new("Broker__External__SharedGroup", "bench"),
                    .. instances > 1 && redis is not null ? [new KeyValuePair<string, string>("Redis__Configuration", redis.Configuration)] : Array.Empty<KeyValuePair<string, string>>(),
                    .. o.DashboardEnvironment,
                ];
                var dashboard = await BrokerProcess.StartDashboardAsync(dll, environment, folder, stop, $"dashboard-{i}");
                dashboards.Add(dashboard);
                Console.WriteLine($"Started dashboard-{i}: pid {dashboard.Pid}, RSS {dashboard.RssMiB():F0} MiB, client id bench-dashboard-{i} in shared group bench");
            }

            delivered = await SysCounter.StartAsync(mosquitto, stop);
            var cluster = new Cluster(mosquitto, dashboards, postgres.Pid, connectionString, delivered);
            var warmup = await ScaleOutRun.RunAsync(cluster, $"n{instances}w", "warm-up", o.Rate > 0 ? o.Rate : 1000, o.WarmupDuration, o, stop);
            Console.WriteLine(Line(warmup, "warm-up"));
            for (var run = 1; run <= o.Runs; run++)
            {
                foreach (var (load, rate) in Loads(o))
                {
                    var result = await ScaleOutRun.RunAsync(cluster, $"n{instances}r{run}{(rate > 0 ? "p" : "f")}", load, rate, o.RunDuration, o, stop);
                    Console.WriteLine(Line(result, $"run {run}/{o.Runs}"));
                    results.Add(result);
                }
            }

            foreach (var dashboard in dashboards)
            {
                var problems = dashboard.LoggedProblems();
                var failed = problems.Where(p => p.Contains("History could not write a batch", StringComparison.Ordinal)).ToList();
                var lost = failed.Select(p => LostSoFar().Match(p)).Where(m => m.Success)
                    .Select(m => long.Parse(m.Groups[1].Value, NumberStyles.AllowThousands, Invariant)).DefaultIfEmpty(0).Max();
                Console.WriteLine($"- {dashboard.Name} log: {problems.Count} warning/error entries; history batches that failed: {failed.Count}, readings lost: {lost:N0}" +
                    $"{(failed.Count > 0 ? $" ({string.Join("; ", Exceptions(dashboard.LogPath))})" : "")}");
                foreach (var other in problems.Except(failed).Take(5))
                {
                    Console.WriteLine($"    {(other.Length > 300 ? other[..300] + "…" : other)}");
                }
            }

            return results;
        }
        finally
        {
            if (delivered is not null)
            {
                await delivered.DisposeAsync();
            }

            foreach (var dashboard in dashboards)
            {
                await dashboard.DisposeAsync();
            }

            await mosquitto.DisposeAsync();
        }
    }

    [GeneratedRegex(@"([\d,]+) readings lost so far")]
    private static partial Regex LostSoFar();

    /// <summary>The distinct exceptions in a log, each with how often (e.g. <c>3× Npgsql.PostgresException (0x80004005): 40P01: deadlock detected</c>).</summary>
    private static IEnumerable<string> Exceptions(string log) =>
        File.ReadLines(log).Select(l => l.Trim()).Where(l => l.Contains("Exception (0x", StringComparison.Ordinal))
            .GroupBy(l => l).Select(g => $"{g.Count()}× {g.Key}");

    private static IEnumerable<(string Load, int Rate)> Loads(ScaleOutOptions o)
    {
        if (o.Rate > 0)
        {
            yield return ($"paced {o.Rate:N0}/s", o.Rate);
        }

        if (o.FlatOut)
        {
            yield return ("flat out", 0);
        }
    }

    private static string Line(ScaleOutResult r, string label)
    {
        return string.Format(Invariant,
            "{0} inst {1,-14} {2,-9} accepted {3,7:N0} msg/s ({4:N0}, {5} errors)  delivered {6,7:N0}/s  stored {7,7:N0}/s ({8:N0}, {9:P1}, max lag {10:N0})  " +
            "delay p50 {11:F0} p99 {12:F0} ms ({13}/{14} probes)  CPU µs/msg: dashboards {15}, PostgreSQL {16:F1}, mosquitto {17:F1}, bench {18:F1}  load {19:F1}",
            r.Instances, r.Load, label, r.OfferedPerSecond, r.Accepted, r.PublishErrors, r.DeliveredPerSecond, r.StoredPerSecond, r.Stored, r.StoredShare, r.MaxLag,
            ChartQueries.Percentile(r.ProbeDelaysMs, 0.5), ChartQueries.Percentile(r.ProbeDelaysMs, 0.99), r.ProbeDelaysMs.Count, r.ProbesSent,
            string.Join(" + ", r.Dashboards.Select(d => r.Micros(d).ToString("F1", Invariant))), r.Micros(r.PostgreSql), r.Micros(r.Mosquitto), r.Micros(r.Bench),
            r.LoadAverage);
    }

    private static void PrintSummary(List<ScaleOutResult> results, ScaleOutOptions o)
    {
        Console.WriteLine();
        Console.WriteLine($"## Summary (median of {o.Runs} runs; delay percentiles over all runs' probes pooled; CPU per message the broker accepted)");
        Console.WriteLine();
        Console.WriteLine("| instances | load | offered (accepted) msg/s | broker delivered msg/s | stored readings/s | stored / accepted | delay p50 / p99 | CPU µs/msg: dashboards | PostgreSQL | mosquitto | bench | load avg |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var group in results.GroupBy(r => (r.Instances, r.Load)))
        {
            var runs = group.ToList();
            double Median(Func<ScaleOutResult, double> value) => BulkHistory.Median([.. runs.Select(value)]);
            var delays = runs.SelectMany(r => r.ProbeDelaysMs).ToList();
            var dashboards = Enumerable.Range(0, group.Key.Instances).Select(i => Median(r => r.Micros(r.Dashboards[i]))).ToList();
            Console.WriteLine(string.Format(Invariant, "| {0} | {1} | {2:N0} | {3:N0} | {4:N0} | {5:P1} | {6:F0} / {7:F0} ms | {8} | {9:F1} | {10:F1} | {11:F1} | {12:F1}–{13:F1} |",
                group.Key.Instances, group.Key.Load, Median(r => r.OfferedPerSecond), Median(r => r.DeliveredPerSecond), Median(r => r.StoredPerSecond),
                runs.Sum(r => r.Stored) / (double)Math.Max(1, runs.Sum(r => r.Accepted)), ChartQueries.Percentile(delays, 0.5), ChartQueries.Percentile(delays, 0.99),
                dashboards.Count == 1 ? dashboards[0].ToString("F1", Invariant) : string.Join(" + ", dashboards.Select(d => d.ToString("F1", Invariant))) + " = " + dashboards.Sum().ToString("F1", Invariant),
                Median(r => r.Micros(r.PostgreSql)), Median(r => r.Micros(r.Mosquitto)), Median(r => r.Micros(r.Bench)),
                runs.Min(r => r.LoadAverage), runs.Max(r => r.LoadAverage)));
        }
    }
}
