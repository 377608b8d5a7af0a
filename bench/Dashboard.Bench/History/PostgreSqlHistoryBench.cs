using System.Globalization;

namespace Dashboard.Bench.History;

/// <summary>
/// <c>bench/run.sh history --provider postgresql</c>: a PostgreSQL server started here, a database of 10 million readings
/// over 30 days (<see cref="PostgreSqlBulkHistory"/>), then the app with <c>Storage:Provider=PostgreSQL</c> asked for
/// charts over HTTP (<see cref="ChartQueries"/>), as the SQLite bench does.
/// </summary>
internal static class PostgreSqlHistoryBench
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static async Task BulkAndQueriesAsync(string dll, HistoryBenchOptions o, string temp, List<string> summary, CancellationToken stop)
    {
        Console.WriteLine();
        Console.WriteLine($"## PostgreSQL bulk database: {o.BulkReadings:N0} readings, {o.BulkSeries} series over the last 30 days, binary COPY");
        var server = await BenchServers.StartPostgreSqlAsync(temp, o.PostgreSqlSettings);
        try
        {
            Console.WriteLine($"Started PostgreSQL: pid {server.Pid}, 127.0.0.1:{server.Port}, settings: defaults{string.Concat(o.PostgreSqlSettings.Select(s => ", " + s))}");
            var connectionString = await server.CreateDatabaseAsync("history");
            var bulk = await PostgreSqlBulkHistory.FillAsync(connectionString, server.Pid, o.BulkReadings, o.BulkSeries, Console.WriteLine, stop);
            var perMillion = bulk.DatabaseBytes / (bulk.Readings / 1e6);
            var fill = string.Format(Invariant,
                "Filled: COPY {0:F1} s (median {1:N0} readings/s per million), rollups {2:F1} s, VACUUM ANALYZE {3:F1} s; PostgreSQL CPU {4:F0} s; " +
                "database {5:N0} bytes = {6:N0} bytes per million readings",
                bulk.CopySeconds, bulk.MedianReadingsPerSecond, bulk.RollupSeconds, bulk.AnalyzeSeconds, bulk.ServerCpu.Total.TotalSeconds, bulk.DatabaseBytes, perMillion);
            Console.WriteLine(fill);
            foreach (var (table, bytes) in bulk.Tables)
            {
                Console.WriteLine(string.Format(Invariant, "  {0,-24} {1,14:N0} bytes (with indexes and partitions)", table, bytes));
            }

            var folder = Directory.CreateDirectory(Path.Combine(temp, "pg-app")).FullName;
            var app = await BrokerProcess.StartDashboardAsync(dll,
                [new("Storage__Provider", "PostgreSQL"), new("ConnectionStrings__Dashboard", connectionString), new("History__RawRetention", "31.00:00:00")],
                folder, stop);
            List<string> rows;
            try
            {
                rows = await ChartQueries.RunAsync(app, o, stop);
                var problems = app.LoggedProblems();
                if (problems.Count > 0)
                {
                    Console.WriteLine($"App log: {problems.Count} warnings/errors, first: {string.Join(" | ", problems.Take(2))}");
                }
            }
            finally
            {
                await app.DisposeAsync();
            }

            summary.Add("");
            summary.Add($"### Charts over {bulk.Readings:N0} readings ({bulk.Series} series × 30 days) on PostgreSQL, over HTTP from the app (first request, then median and p95 of {o.QueryRuns})");
            summary.Add("");
            summary.Add(HistoryBench.ChartTableHeader);
            summary.Add(HistoryBench.ChartTableRule);
            summary.AddRange(rows);
            summary.Add("");
            summary.Add(fill + ".");
            summary.Add("Relations (indexes included, partitions summed): " + string.Join(", ",
                bulk.Tables.Select(t => string.Format(Invariant, "{0} {1:N0} bytes per million", t.Table, t.Bytes / (bulk.Readings / 1e6)))) + ".");
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}
