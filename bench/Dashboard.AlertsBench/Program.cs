using System.Diagnostics;
using Dashboard.Alerts;
using Dashboard.AlertsBench;

// `--storm`: an alert storm against the built app (memory, CPU at rest, Alerts page load, SIGTERM); see StormBench.
if (args.Contains("--storm"))
{
    return await StormBench.RunAsync(args);
}

// What alert rules cost the ingestion thread: readings judged per second by the AlertEvaluator, and bytes
// allocated per reading, for a few rule sets over 10,000 topics. Medians of 5 runs. See bench/README.md.
const int Readings = 2_000_000;
const int Runs = 5;

var topics = Enumerable.Range(0, 10_000).Select(i => $"home/room{i % 500}/sensor{i / 500}/temperature").ToArray();
(string Name, AlertRule[] Rules)[] scenarios =
[
    ("no rule matches", [.. Enumerable.Range(1, 20).Select(i => Rule(i, $"office/{i}/#"))]),
    ("20 rules, 1 matches each topic", [.. Enumerable.Range(1, 20).Select(i => Rule(i, i == 1 ? "home/+/+/temperature" : $"office/{i}/#"))]),
    ("20 rules, 5 match each topic", [.. Enumerable.Range(1, 20).Select(i => Rule(i, i <= 5 ? "home/#" : $"office/{i}/#"))]),
    ("200 rules, 1 matches 1/500 topics", [.. Enumerable.Range(1, 200).Select(i => Rule(i, $"home/room{i}/+/temperature"))]),
    ("1 staleness rule on # (10k series)", [Rule(1, "#", AlertRuleKind.Staleness)]),
];

Console.WriteLine($"{Readings:N0} readings per run over {topics.Length:N0} topics, {Runs} runs, median; {Environment.ProcessorCount} cores");
var output = new List<AlertTransition>();
foreach (var (name, rules) in scenarios)
{
    var rates = new List<double>();
    var bytesPerReading = 0.0;
    for (var run = 0; run < Runs; run++)
    {
        var evaluator = new AlertEvaluator();
        var now = DateTimeOffset.UtcNow;
        foreach (var rule in rules)
        {
            evaluator.SetRule(rule, now, output);
        }

        foreach (var topic in topics)
        {
            evaluator.OnReading(topic, "temperature", 20, now, restored: false, output); // first sight of each topic: match and cache
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < Readings; i++)
        {
            evaluator.OnReading(topics[i % topics.Length], "temperature", 20 + (i & 7), now, restored: false, output);
        }

        watch.Stop();
        bytesPerReading = (GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)Readings;
        rates.Add(Readings / watch.Elapsed.TotalSeconds);
        output.Clear();
    }

    rates.Sort();
    Console.WriteLine($"{name,-36} {rates[Runs / 2] / 1e6,6:F1} M readings/s (min {rates[0] / 1e6:F1}, max {rates[^1] / 1e6:F1}), {bytesPerReading:F1} B allocated per reading");
}

return 0;

// Thresholds no reading reaches: this measures matching and lookups, not raising.
static AlertRule Rule(long id, string filter, AlertRuleKind kind = AlertRuleKind.Threshold) =>
    new(id, $"rule {id}", kind, filter, null, AlertOperator.Above, 1e9, 0, 0, 0, TimeSpan.FromSeconds(10), AlertSeverity.Warning, true);
