using System.Globalization;
using MQTTnet.Protocol;

namespace Dashboard.Bench;

internal sealed record Measurement(string Broker, MqttQualityOfServiceLevel Qos, int Run, RunResult Result);

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
        var rows = measurements
            .GroupBy(m => (m.Broker, m.Qos))
            .Select(g => new Row(g.Key.Broker, g.Key.Qos, [.. g.Select(m => m.Result)]))
            .OrderBy(r => r.Qos).ThenBy(r => r.Broker == BrokerProcess.DashboardName ? 0 : 1)
            .ToList();

        Console.WriteLine();
        Console.WriteLine(string.Format(Invariant,
            "## Results: {0} publishers → 1 subscriber, {1:N0} messages each, {2}-byte payloads, MQTT {3}, loopback TCP, median of {4} runs",
            options.Publishers, options.MessagesPerPublisher, options.PayloadBytes, options.ProtocolVersion == MQTTnet.Formatter.MqttProtocolVersion.V500 ? "5" : "3.1.1", options.Runs));
        Console.WriteLine();
        Console.WriteLine("| broker | QoS | median msg/s | runs (msg/s) | lost | broker CPU µs/msg | of which kernel | broker cores busy | bench CPU µs/msg |");
        Console.WriteLine("|---|---|---:|---|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            var lost = row.Results.Sum(r => r.Lost + (r.Attempted - r.Sent));
            Console.WriteLine(string.Format(Invariant, "| {0} | {1} | {2:N0} | {3} | {4:N0}{5} | {6:F1} | {7:P0} | {8:F2} | {9:F1} |",
                row.Broker, (int)row.Qos, row.MedianRate,
                string.Join(" / ", row.Results.Select(r => r.MessagesPerSecond.ToString("N0", Invariant))),
                lost, row.Results.Any(r => r.TimedOut) ? " (incl. undelivered at a timeout)" : "",
                Median(row.Results.Select(r => r.BrokerMicrosPerMessage)),
                Median(row.Results.Select(r => r.BrokerSystemShare)),
                Median(row.Results.Select(r => r.BrokerCores)),
                Median(row.Results.Select(r => r.BenchMicrosPerMessage))));
        }

        Console.WriteLine();
        foreach (var qos in rows.Select(r => r.Qos).Distinct())
        {
            var dashboard = rows.FirstOrDefault(r => r.Qos == qos && r.Broker == BrokerProcess.DashboardName);
            var mosquitto = rows.FirstOrDefault(r => r.Qos == qos && r.Broker == BrokerProcess.MosquittoName);
            if (dashboard is not null && mosquitto is not null && mosquitto.MedianRate > 0)
            {
                Console.WriteLine(string.Format(Invariant,
                    "- QoS {0}: Dashboard / mosquitto = **{1:F2}×** msg/s (medians); broker CPU per message {2:F1}× mosquitto's",
                    (int)qos, dashboard.MedianRate / mosquitto.MedianRate,
                    Median(dashboard.Results.Select(r => r.BrokerMicrosPerMessage)) / Median(mosquitto.Results.Select(r => r.BrokerMicrosPerMessage))));
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
    }

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

    private sealed record Row(string Broker, MqttQualityOfServiceLevel Qos, List<RunResult> Results)
    {
        public double MedianRate => Median(Results.Select(r => r.MessagesPerSecond));
    }
}
