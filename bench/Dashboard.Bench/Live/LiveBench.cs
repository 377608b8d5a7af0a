namespace Dashboard.Bench.Live;

/// <summary>`bench/run.sh live`: the dashboard's live path (ingestion, UI latency, memory) with a browser attached. See bench/README.md.</summary>
internal static class LiveBench
{
    public static async Task<int> RunAsync(LiveBenchOptions options, string dashboardDll, CancellationToken cancellationToken)
    {
        var temp = Directory.CreateTempSubdirectory("dashboard-live-");
        var results = new List<LiveRunResult>();
        var problems = new List<string>();
        try
        {
            await using var browser = await DashboardBrowser.LaunchAsync(options.Chromium, options.Patience);
            PrintSetup(options, browser.Version);
            for (var run = 1; run <= options.Runs; run++)
            {
                var result = await LiveRun.RunAsync(run, options, dashboardDll, browser, temp.FullName, cancellationToken);
                results.Add(result);
                problems.AddRange(result.LoggedProblems.Select(p => $"run {run}: {p}"));
                Console.WriteLine();
            }

            LiveReport.PrintSummary(results, options);
            Console.WriteLine($"- app log: {problems.Count} warning/error entries{(problems.Count > 0 ? ", first: " : "")}{string.Join(" | ", problems.Take(3))}");
            return 0;
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

    private static void PrintSetup(LiveBenchOptions options, string browserVersion)
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        Console.WriteLine($"# Live dashboard benchmark, {DateTimeOffset.Now:yyyy-MM-dd HH:mm zzz}");
        Console.WriteLine($"Machine: {Environment.ProcessorCount} cores ({cpu}), load average {File.ReadAllText("/proc/loadavg").Trim()}; .NET {Environment.Version}; Chromium {browserVersion} (headless)");
        Console.WriteLine($"Per run, a fresh app: warm-up; latency: {options.Devices} devices (one connection each) × {LiveValues.Metrics.Length} metrics at {options.LatencyRate:N0} msg/s for " +
            $"{options.LatencyDuration.TotalSeconds:F0} s, Overview open; flood: {Math.Min(options.FloodPublishers, options.Devices)} publishers, QoS 0, up to {options.FloodMessages:N0} messages or " +
            $"{options.FloodDuration.TotalSeconds:F0} s, Overview open; memory: {options.MemoryTopics:N0} new topics, Topics page open. {options.Runs} runs.");
        Console.WriteLine();
    }
}
