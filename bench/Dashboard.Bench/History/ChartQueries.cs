using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Dashboard.Bench.History;

/// <summary>
/// The chart requests of the history bench, over HTTP from an app started on a bulk database (SQLite or PostgreSQL): one
/// series over 30 days, 7 days, 24 hours and 1 hour at 1000 points (first request, then median and p95 of
/// <c>--queries</c>), and a CSV export of the whole series. Returns the summary's table rows.
/// </summary>
internal static class ChartQueries
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static async Task<List<string>> RunAsync(BrokerProcess app, HistoryBenchOptions o, CancellationToken stop)
    {
        var rows = new List<string>();
        using var http = app.CreateHttpClient(TimeSpan.FromMinutes(5));
        var now = DateTimeOffset.UtcNow;
        var topic = Uri.EscapeDataString($"{BulkHistory.TopicPrefix}0");
        foreach (var (label, span) in new[] { ("30 d", TimeSpan.FromDays(30)), ("7 d", TimeSpan.FromDays(7)), ("24 h", TimeSpan.FromHours(24)), ("1 h", TimeSpan.FromHours(1)) })
        {
            var url = $"api/readings?topic={topic}&metric={BulkHistory.Metric}&from={Iso(now - span)}&to={Iso(now)}&maxPoints=1000";
            var (first, firstBody) = await TimeAsync(http, url, stop);
            var times = new List<double>();
            for (var i = 0; i < o.QueryRuns; i++)
            {
                times.Add((await TimeAsync(http, url, stop)).Milliseconds);
            }

            using var json = JsonDocument.Parse(firstBody);
            var points = json.RootElement.GetProperty("points");
            var readings = points.EnumerateArray().Sum(p => p.GetProperty("count").GetInt64());
            var line = string.Format(Invariant, "| {0} chart, 1000 points max | {1:F0} ms | {2:F0} ms ({3:F0}–{4:F0}) | {5:F0} ms | {6} | {7:N0} points from {8:N0} readings |",
                label, first, BulkHistory.Median(times), times.Min(), times.Max(), Percentile(times, 0.95), json.RootElement.GetProperty("resolution").GetString(),
                points.GetArrayLength(), readings);
            Console.WriteLine(line);
            rows.Add(line);
        }

        var csvTimes = new List<double>();
        long csvBytes = 0;
        var csvRows = o.BulkReadings / o.BulkSeries;
        for (var i = 0; i < Math.Min(3, o.QueryRuns); i++)
        {
            var watch = Stopwatch.StartNew();
            await using var body = await http.GetStreamAsync($"api/readings.csv?topic={topic}", stop);
            csvBytes = await DrainAsync(body, stop);
            csvTimes.Add(watch.Elapsed.TotalMilliseconds);
        }

        var csv = string.Format(Invariant, "| CSV export of one whole series ({0:N0} rows, {1:N1} MB) | {2:F0} ms | {3:F0} ms | | raw | {4:N0} rows/s |",
            csvRows, csvBytes / 1e6, csvTimes[0], BulkHistory.Median(csvTimes), csvRows / (BulkHistory.Median(csvTimes) / 1000));
        Console.WriteLine(csv);
        rows.Add(csv);
        Console.WriteLine(string.Format(Invariant, "App on the bulk database: peak RSS {0:F0} MiB", app.PeakRssMiB()));
        return rows;
    }

    /// <summary>Nearest rank: the smallest value with at least <paramref name="fraction"/> of the values at or below it.</summary>
    internal static double Percentile(IReadOnlyList<double> values, double fraction)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    private static async Task<(double Milliseconds, string Body)> TimeAsync(HttpClient http, string url, CancellationToken stop)
    {
        var watch = Stopwatch.StartNew();
        using var response = await http.GetAsync(url, stop);
        var body = await response.Content.ReadAsStringAsync(stop);
        var elapsed = watch.Elapsed.TotalMilliseconds;
        response.EnsureSuccessStatusCode();
        return (elapsed, body);
    }

    private static async Task<long> DrainAsync(Stream body, CancellationToken stop)
    {
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, stop)) > 0)
        {
            total += read;
        }

        return total;
    }

    private static string Iso(DateTimeOffset time) => Uri.EscapeDataString(time.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", Invariant));
}
