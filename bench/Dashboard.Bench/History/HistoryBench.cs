using System.Globalization;

namespace Dashboard.Bench.History;

/// <summary>
/// <c>bench/run.sh history</c>: readings persisted per second through the real broker (and what that costs the
/// broker), the time to answer charts over a database of 10 million readings, database bytes per million readings,
/// and memory. See bench/README.md.
/// </summary>
internal static class HistoryBench
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;
    internal const string ChartTableHeader = "| request | first | median (min–max) | p95 | read from | answer |";
    internal const string ChartTableRule = "|---|---:|---:|---:|---|---|";

    public static async Task<int> RunAsync(string[] args, string dashboardDll, CancellationToken stop)
    {
        var options = HistoryBenchOptions.Parse(args, out var error);
        if (options is null)
        {
            Console.Error.WriteLine(error is { Length: > 0 } ? $"{error}\n\n{HistoryBenchOptions.Usage}" : HistoryBenchOptions.Usage);
            return error is { Length: > 0 } ? 2 : 0;
        }

        if (!File.Exists(dashboardDll))
        {
            Console.Error.WriteLine($"{dashboardDll} not found: build it with `dotnet build src/Dashboard -c Release`.");
            return 2;
        }

        var temp = Directory.CreateTempSubdirectory("dashboard-history-bench-");
        var summary = new List<string>();
        try
        {
            var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
            Console.WriteLine($"# History benchmark, {DateTimeOffset.Now:yyyy-MM-dd HH:mm zzz}");
            Console.WriteLine($"Machine: {Environment.ProcessorCount} cores ({cpu}), load average {File.ReadAllText("/proc/loadavg").Trim()}; .NET {Environment.Version}");
            if (options.PostgreSql)
            {
                // Ingestion into PostgreSQL (through an external broker, one and two instances) is `bench/run.sh scaleout`.
                await PostgreSqlHistoryBench.BulkAndQueriesAsync(dashboardDll, options, temp.FullName, summary, stop);
            }
            else
            {
                if (!options.SkipIngest)
                {
                    await IngestAsync(dashboardDll, options, temp.FullName, summary, stop);
                }

                if (!options.SkipBulk)
                {
                    await BulkAndQueriesAsync(dashboardDll, options, temp.FullName, summary, stop);
                }
            }

            Console.WriteLine();
            Console.WriteLine("## Summary");
            foreach (var line in summary)
            {
                Console.WriteLine(line);
            }

            return 0;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Console.Error.WriteLine("Interrupted.");
            return 130;
        }
        finally
        {
            if (options.KeepTemp)
            {
                Console.WriteLine($"- Logs and databases kept in {temp.FullName}");
            }
            else
            {
                temp.Delete(recursive: true);
            }
        }
    }

    /// <summary>
    /// Two app processes, one fed payloads that are readings and one fed the same-sized payloads that are not, taking
    /// turns run after run: the difference is what storing readings costs the broker (throughput, CPU, memory).
    /// </summary>
    private static async Task IngestAsync(string dll, HistoryBenchOptions o, string temp, List<string> summary, CancellationToken stop)
    {
        Console.WriteLine();
        Console.WriteLine($"## Ingest through the broker: {o.Publishers} publishers × {o.TopicsPerPublisher} topics, {o.MessagesPerPublisher:N0} QoS 0 messages each per run " +
            $"({o.MessagesPerRun:N0} messages, {o.MessagesPerRun * (long)o.MetricsPerMessage:N0} readings: JSON with {o.MetricsPerMessage} numbers and a ts), 1 subscriber on bench/#");
        var apps = new List<(string Name, bool Readings, BrokerProcess App, string Database)>();
        try
        {
            foreach (var (name, readings) in new[] { ("no readings", false), ("readings", true) })
            {
                var folder = Directory.CreateDirectory(Path.Combine(temp, readings ? "ingest-readings" : "ingest-baseline")).FullName;
                var app = await BrokerProcess.StartDashboardAsync(dll, [], folder, stop);
                apps.Add((name, readings, app, Path.Combine(folder, "dashboard.db")));
                Console.WriteLine($"Started the Dashboard for \"{name}\": pid {app.Pid}, RSS {app.RssMiB():F0} MiB");
            }

            var results = apps.ToDictionary(a => a.Name, _ => new List<IngestResult>());
            for (var run = 0; run <= o.Runs; run++)
            {
                var order = run % 2 == 0 ? apps : Enumerable.Reverse(apps);
                foreach (var (name, readings, app, database) in order)
                {
                    var result = await IngestRun.RunAsync(app, database, $"r{run}{(readings ? "h" : "b")}", readings, 0, o, stop);
                    Console.WriteLine(Line(name, run == 0 ? "warm-up" : $"run {run}/{o.Runs}", result));
                    if (run > 0)
                    {
                        results[name].Add(result);
                    }
                }
            }

            var paced = new List<IngestResult>();
            var history = apps.Single(a => a.Readings);
            for (var run = 1; o.PacedRate > 0 && run <= o.Runs; run++)
            {
                var result = await IngestRun.RunAsync(history.App, history.Database, $"p{run}", true, o.PacedRate, o, stop);
                Console.WriteLine(Line($"paced {o.PacedRate:N0}/s", $"run {run}/{o.Runs}", result));
                paced.Add(result);
            }

            summary.Add("");
            summary.Add($"### Readings persisted through the broker (median of {o.Runs} runs; {o.MessagesPerRun:N0} messages × {o.MetricsPerMessage} readings per flat-out run)");
            summary.Add("");
            summary.Add("| load | routed to the subscriber | readings persisted/s | persisted / offered | broker CPU per message | peak RSS |");
            summary.Add("|---|---:|---:|---:|---:|---:|");
            foreach (var (name, readings, app, _) in apps)
            {
                var r = results[name];
                summary.Add(string.Format(Invariant, "| flat out, {0} | {1:N0} msg/s | {2} | {3} | {4:F1} µs | {5:F0} MiB |", name,
                    Median(r, x => x.MessagesPerSecond),
                    readings ? $"{Median(r, x => x.ReadingsPerSecond):N0}" : "—",
                    readings ? $"{r.Sum(x => x.ReadingsStored):N0} / {r.Sum(x => x.ReadingsExpected):N0}" : "—",
                    Median(r, x => x.BrokerMicrosPerMessage), app.PeakRssMiB()));
            }

            if (paced.Count > 0)
            {
                summary.Add(string.Format(Invariant, "| paced at {0:N0} readings/s for {1:F0} s | {2:N0} msg/s | {3:N0} | {4:N0} / {5:N0} | {6:F1} µs | (max lag {7:N0} readings) |",
                    o.PacedRate, o.PacedDuration.TotalSeconds, Median(paced, x => x.MessagesPerSecond), Median(paced, x => x.ReadingsPerSecond),
                    paced.Sum(x => x.ReadingsStored), paced.Sum(x => x.ReadingsExpected), Median(paced, x => x.BrokerMicrosPerMessage),
                    paced.Max(x => x.MaxLagReadings)));
            }

            var baseline = apps.Single(a => !a.Readings).App.PeakRssMiB();
            summary.Add("");
            summary.Add(string.Format(Invariant,
                "Broker throughput with readings stored: {0:P0} of the same load without readings. Memory the history adds at peak (peak RSS difference; includes live state's series): {1:F0} MiB.",
                Median(results["readings"], x => x.MessagesPerSecond) / Median(results["no readings"], x => x.MessagesPerSecond), history.App.PeakRssMiB() - baseline));
            foreach (var (name, _, app, _) in apps)
            {
                var problems = app.LoggedProblems();
                summary.Add($"Log of \"{name}\": {problems.Count} warnings/errors{(problems.Count > 0 ? ", first: " + string.Join(" | ", problems.Take(2)) : "")}");
            }
        }
        finally
        {
            foreach (var (_, _, app, _) in apps)
            {
                await app.DisposeAsync();
            }
        }
    }

    private static string Line(string name, string label, IngestResult r) => string.Format(Invariant,
        "{0,-22} {1,-9} routed {2,9:N0} msg/s ({3:N0}/{4:N0})  persisted {5,9:N0} readings/s ({6:N0}/{7:N0}, max lag {8:N0})  broker {9,5:F1} µs/msg  load {10:F1}",
        name, label, r.MessagesPerSecond, r.Received, r.Published, r.ReadingsPerSecond, r.ReadingsStored, r.ReadingsExpected, r.MaxLagReadings,
        r.BrokerMicrosPerMessage, r.LoadAverage);

    /// <summary>A database of BulkReadings readings filled through the writer's path, then the app started on it and asked for charts over HTTP.</summary>
    private static async Task BulkAndQueriesAsync(string dll, HistoryBenchOptions o, string temp, List<string> summary, CancellationToken stop)
    {
        Console.WriteLine();
        Console.WriteLine($"## Bulk database: {o.BulkReadings:N0} readings, {o.BulkSeries} series over the last 30 days, through the writer's bulk path");
        var folder = Directory.CreateDirectory(Path.Combine(temp, "bulk")).FullName;
        var database = Path.Combine(folder, "dashboard.db");
        var bulk = BulkHistory.Fill(database, o.BulkReadings, o.BulkSeries, Console.WriteLine, stop);
        var perMillion = bulk.DatabaseBytes / (bulk.Readings / 1e6);
        Console.WriteLine(string.Format(Invariant, "Filled in {0:F1} s: median {1:N0} readings/s per million; file {2:N0} bytes = {3:N0} bytes per million readings",
            bulk.TotalSeconds, bulk.MedianReadingsPerSecond, bulk.DatabaseBytes, perMillion));
        foreach (var (table, bytes) in bulk.Tables)
        {
            Console.WriteLine(string.Format(Invariant, "  {0,-24} {1,14:N0} bytes", table, bytes));
        }

        Console.WriteLine(string.Format(Invariant, "Writer memory: SQLite high-water {0:F1} MiB, managed heap {1:F1} MiB, bench process peak RSS {2:F0} MiB",
            bulk.SqliteHighWaterBytes / 1048576.0, bulk.ManagedHeapBytes / 1048576.0, bulk.PeakRssMiB));

        // Raw readings kept 31 days here, so all of them stay while the app runs (its retention job starts with it).
        var app = await BrokerProcess.StartDashboardAsync(dll,
            [new("ConnectionStrings__Dashboard", $"Data Source={database}"), new("History__RawRetention", "31.00:00:00")], folder, stop);
        List<string> rows;
        try
        {
            rows = await ChartQueries.RunAsync(app, o, stop);
        }
        finally
        {
            await app.DisposeAsync();
        }

        summary.Add("");
        summary.Add($"### Charts over {bulk.Readings:N0} stored readings ({bulk.Series} series × 30 days), over HTTP from the app (first request, then median of {o.QueryRuns})");
        summary.Add("");
        summary.Add(ChartTableHeader);
        summary.Add(ChartTableRule);
        summary.AddRange(rows);
        summary.Add("");
        summary.Add(string.Format(Invariant, "Database: {0:N0} bytes = **{1:N0} bytes per million readings** (readings, minute and hour rollups, after a WAL checkpoint){2}.",
            bulk.DatabaseBytes, perMillion,
            bulk.Tables.Count > 0 ? "; " + string.Join(", ", bulk.Tables.Take(4).Select(t => string.Format(Invariant, "{0} {1:N0}", t.Table, t.Bytes / (bulk.Readings / 1e6)))) + " bytes per million" : ""));
        var defaults = new Dashboard.History.HistoryOptions();
        summary.Add(string.Format(Invariant, "Bulk path: {0:N0} readings/s (median per million; one transaction per {1:N0}, rollups included), {2:F0} s for all. " +
            "Writer memory at peak: SQLite {3:F1} MiB (page cache capped at 16 MiB), batch array {4:F2} MiB, buffer at most History:BufferCapacity × 32 B = {5:F1} MiB.",
            bulk.MedianReadingsPerSecond, defaults.MaxBatch, bulk.TotalSeconds, bulk.SqliteHighWaterBytes / 1048576.0, defaults.MaxBatch * 32 / 1048576.0,
            defaults.BufferCapacity * 32 / 1048576.0));
    }

    private static double Median(IEnumerable<IngestResult> results, Func<IngestResult, double> value) => BulkHistory.Median([.. results.Select(value)]);
}
