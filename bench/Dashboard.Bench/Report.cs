using System.Globalization;
using MQTTnet.Protocol;

namespace Dashboard.Bench;

internal sealed record Measurement(string Broker, MqttQualityOfServiceLevel Qos, string Load, int Run, RunResult Result);

/// <summary>What the bench prints: one line per run as it happens, then a Markdown summary of the medians.</summary>
internal static class Report
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string RunLine(string broker, MqttQualityOfServiceLevel qos, string label, RunResult r)
    {
        var line = string.Format(Invariant,
            "{0,-10} QoS {1}  {2,-9} {3,9:N0} msg/s  received {4:N0}/{5:N0}  {6} {7:N0}  dup {8:N0}  {9,6:F2} s  broker {10,4:F2} cores {11,5:F1} µs/msg ({12:P0} sys)  bench {13,5:F1} µs/msg  load {14:F1}",
            broker, (int)qos, label, r.MessagesPerSecond, r.Received, r.Attempted, r.TimedOut ? "undelivered" : "lost", r.Lost, r.Duplicates,
            r.Elapsed.TotalSeconds, r.BrokerCores, r.BrokerMicrosPerMessage, r.BrokerSystemShare, r.BenchMicrosPerMessage, r.LoadAverage);
        if (r.Puback is { } puback)
        {
            line += string.Format(Invariant, "  PUBACK p50 {0:F1} p99 {1:F1} max {2:F1} ms", puback.P50, puback.P99, puback.Max);
        }

        if (r.BehindSchedule > TimeSpan.FromMilliseconds(10))
        {
            line += string.Format(Invariant, "  behind schedule up to {0:F0} ms", r.BehindSchedule.TotalMilliseconds);
        }

        if (r.Sent < r.Attempted)
        {
            line += string.Format(Invariant, "  NOT SENT {0:N0}", r.Attempted - r.Sent);
        }

        if (r.TimedOut)
        {
            line += "  TIMED OUT";
        }

        if (r.PublishErrors > 0)
        {
            line += string.Format(Invariant, "  {0} publish errors (first: {1})", r.PublishErrors, r.FirstError);
        }

        if (r.Foreign > 0)
        {
            line += string.Format(Invariant, "  {0} unexpected messages", r.Foreign);
        }

        return line;
    }

    public static void PrintSummary(IReadOnlyList<Measurement> measurements, IReadOnlyList<BrokerProcess> brokers, BenchOptions options)
    {
        var loads = measurements.Select(m => m.Load).Distinct().ToList();
        var brokerOrder = brokers.Select(b => b.Name).ToList();
        var rows = measurements
            .GroupBy(m => (m.Broker, m.Qos, m.Load))
            .Select(g => new Row(g.Key.Broker, g.Key.Qos, g.Key.Load, [.. g.Select(m => m.Result)]))
            .OrderBy(r => r.Qos).ThenBy(r => loads.IndexOf(r.Load)).ThenBy(r => brokerOrder.IndexOf(r.Broker))
            .ToList();

        Console.WriteLine();
        Console.WriteLine(string.Format(Invariant,
            "## Results: {0} publishers → 1 subscriber, {1:N0} messages each, {2}-byte payloads, MQTT {3}, loopback TCP, median of {4} runs",
            options.Publishers, options.MessagesPerPublisher, options.PayloadBytes, options.ProtocolVersion == MQTTnet.Formatter.MqttProtocolVersion.V500 ? "5" : "3.1.1", options.Runs));
        Console.WriteLine();
        Console.WriteLine("| broker | QoS | load | median msg/s | runs (msg/s) | lost | PUBACK p50 ms | p99 ms | max ms | broker CPU µs/msg | of which kernel | broker cores busy | bench CPU µs/msg |");
        Console.WriteLine("|---|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            var lost = row.Results.Sum(r => r.Lost + (r.Attempted - r.Sent));
            Console.WriteLine(string.Format(Invariant, "| {0} | {1} | {2} | {3:N0} | {4} | {5:N0}{6} | {7} | {8} | {9} | {10:F1} | {11:P0} | {12:F2} | {13:F1} |",
                row.Broker, (int)row.Qos, row.Load, row.MedianRate,
                string.Join(" / ", row.Results.Select(r => r.MessagesPerSecond.ToString("N0", Invariant))),
                lost, row.Results.Any(r => r.TimedOut) ? " (incl. undelivered at a timeout)" : "",
                Milliseconds(row.P50), Milliseconds(row.P99), Milliseconds(row.Results.Max(r => r.Puback?.Max ?? double.NaN)),
                row.MicrosPerMessage,
                Median(row.Results.Select(r => r.BrokerSystemShare)),
                Median(row.Results.Select(r => r.BrokerCores)),
                Median(row.Results.Select(r => r.BenchMicrosPerMessage))));
        }

        Console.WriteLine();
        foreach (var group in rows.GroupBy(r => (r.Qos, r.Load)))
        {
            var byBroker = group.ToDictionary(r => r.Broker);
            void Compare(string a, string b, string title)
            {
                if (byBroker.TryGetValue(a, out var x) && byBroker.TryGetValue(b, out var y) && y.MedianRate > 0)
                {
                    Console.WriteLine(string.Format(Invariant,
                        "- QoS {0}, {1}: {2} = **{3:F2}×** msg/s (medians); broker CPU per message {4:F2}×; PUBACK p50 {5:F1} vs {6:F1} ms, p99 {7:F1} vs {8:F1} ms",
                        (int)group.Key.Qos, group.Key.Load, title, x.MedianRate / y.MedianRate, x.MicrosPerMessage / y.MicrosPerMessage, x.P50, y.P50, x.P99, y.P99));
                }
            }

            Compare(BrokerProcess.DashboardName, BrokerProcess.DashboardPeriodicName, "Acknowledged / Periodic (the cost of acknowledged means stored)");
            Compare(BrokerProcess.DashboardSyncedName, BrokerProcess.DashboardName, "Synced / Acknowledged");
            foreach (var dashboard in BrokerProcess.Durabilities.Keys)
            {
                Compare(dashboard, BrokerProcess.MosquittoName, $"{dashboard} / mosquitto");
            }
        }

        foreach (var broker in brokers)
        {
            Console.WriteLine(string.Format(Invariant, "- {0} (pid {1}): peak RSS (VmHWM) {2:F0} MiB, RSS at the end {3:F0} MiB",
                broker.Name, broker.Pid, broker.PeakRssMiB(), broker.RssMiB()));
        }

        Console.WriteLine(string.Format(Invariant,
            "- CPU: {0} cores shared by the brokers and this bench process (the MQTTnet load generator): \"bench CPU\" is its share; " +
            "\"broker cores busy\" is broker CPU time / run time (mosquitto is single-threaded: 1.00 is all it can use).",
            Environment.ProcessorCount));
        Console.WriteLine("- lost = accepted by the broker (QoS 0: written to the socket, QoS 1: PUBACKed) but never delivered, plus any not sent before a timeout.");
        Console.WriteLine("- PUBACK p50/p99: per run, over every publish (PublishAsync called → completed at its PUBACK), then the median of the runs; max: of all runs.");
    }

    private static string Milliseconds(double value) => double.IsNaN(value) ? "–" : value.ToString("F1", Invariant);

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private sealed record Row(string Broker, MqttQualityOfServiceLevel Qos, string Load, List<RunResult> Results)
    {
        public double MedianRate => Median(Results.Select(r => r.MessagesPerSecond));
        public double MicrosPerMessage => Median(Results.Select(r => r.BrokerMicrosPerMessage));
        public double P50 => Median(Results.Select(r => r.Puback?.P50 ?? double.NaN));
        public double P99 => Median(Results.Select(r => r.Puback?.P99 ?? double.NaN));
    }
}
