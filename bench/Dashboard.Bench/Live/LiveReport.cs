using System.Globalization;

namespace Dashboard.Bench.Live;

/// <summary>What the live bench prints: a few lines per run as it happens, then a Markdown table of medians.</summary>
internal static class LiveReport
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string LatencyLine(int run, LatencyResult r) => Problem(r.Ui) + string.Format(Invariant,
        "Run {0} latency: {1:N0} readings in {2:F1} s ({3:N0}/s) over the devices; the page displayed {4:N0} of them ({5:P0}); " +
        "publish → DOM p50 {6:F0} / p90 {7:F0} / p99 {8:F0} / max {9:F0} ms, → next frame p50 {10:F0} / p99 {11:F0} ms; " +
        "broker → MQTT subscriber p50 {12:F1} / p99 {13:F1} ms; CPU {14}",
        run, r.Published, r.Seconds, r.Rate, r.Ui.Displayed, (double)r.Ui.Displayed / Math.Max(1, r.Published),
        r.Ui.Dom.P50, r.Ui.Dom.P90, r.Ui.Dom.P99, r.Ui.Dom.Max, r.Ui.Frame.P50, r.Ui.Frame.P99, r.Delivery.P50, r.Delivery.P99, r.Cpu);

    public static string FloodLine(int run, FloodResult r)
    {
        var line = string.Format(Invariant,
            "Run {0} flood: sent {1:N0} QoS 0 readings in {2:F1} s ({3:N0}/s); broker received {4:N0} ({5:N0} msg/s sustained), " +
            "ingestion read {6:N0} ({7:N0}/s sustained, {8:P0} of the broker's rate), done {9:F1} s after the broker; backlog max {10:N0}, " +
            "dropped {11:N0} (ingestion) {12:N0} (queues); RSS {13:F0} → peak {14:F0} → {15:F0} MiB; heap {16:F0} → max {17:F0} → {18:F0} MiB; CPU {19}; " +
            "page displayed {20:N0} values, publish → DOM p50 {21:F0} / p99 {22:F0} / max {23:F0} ms",
            run, r.Sent, r.SendSeconds, r.SendRate, r.BrokerReceived, r.BrokerRate, r.IngestionProcessed, r.IngestionRate, r.IngestionRate / r.BrokerRate,
            r.IngestionBehindSeconds, r.MaxBacklog, r.IngestionDropped, r.MessagesDropped, r.RssStart, r.RssPeak, r.RssAfter, r.HeapStart, r.HeapMax, r.HeapAfter,
            r.Cpu, r.Ui.Displayed, r.Ui.Dom.P50, r.Ui.Dom.P99, r.Ui.Dom.Max);
        return Problem(r.Ui) + line + Environment.NewLine + string.Join(Environment.NewLine, r.Timeline);
    }

    public static string MemoryLine(int run, MemoryResult r)
    {
        static string Point(MemoryPoint p) => string.Format(Invariant, "{0:F0}/{1:F0} → {2:F0}/{3:F0}", p.Rss, p.Heap, p.RssAfterGc, p.HeapAfterGc);
        return string.Format(Invariant,
            "Run {0} memory: {1:N0} topics published in {2:F2} s, ingested within {3:F1} s. RSS/heap MiB at rest → after a full GC: start-up {4}, " +
            "before the topics {5}, after {6}, with the Topics page open {7}; growth per topic {8:F1} KiB RSS, {9:F1} KiB heap; RSS peak {10:F0} MiB. " +
            "Topics page: loaded {11:F2} s, interactive {12:F2} s, tree shown {13} (CPU {19}), {14:N0} tree items in the DOM; filter to 1 topic {15}, back to all {16}; " +
            "{17:N0} more new topics counted by the open page {18} after the first publish",
            run, r.Topics, r.PublishSeconds, r.IngestedSeconds, Point(r.Startup), Point(r.Before), Point(r.After), Point(r.WithPage), r.RssKiBPerTopic, r.HeapKiBPerTopic,
            r.RssPeak, r.PageLoadedSeconds, r.PageInteractiveSeconds, Seconds(r.TreeShownSeconds), r.TreeItemsInDom, Seconds(r.FilterSeconds), Seconds(r.UnfilterSeconds),
            r.MoreTopics, Seconds(r.MoreCountedSeconds), r.PageLoadCpu);
    }

    public static void PrintSummary(IReadOnlyList<LiveRunResult> runs, LiveBenchOptions options)
    {
        Console.WriteLine();
        Console.WriteLine(string.Format(Invariant, "## Live dashboard: medians of {0} runs ({1} devices × {2} metrics, Overview or Topics page open in headless Chromium)",
            runs.Count, options.Devices, LiveValues.Metrics.Length));
        Console.WriteLine();
        Console.WriteLine("| measure | median | runs |");
        Console.WriteLine("|---|---:|---|");

        void Row(string name, Func<LiveRunResult, double?> value, string format)
        {
            var values = runs.Select(value).ToList();
            var median = Report.Median(values.Where(v => v is not null).Select(v => v!.Value));
            string Text(double? v) => v is { } x && !double.IsNaN(x) ? x.ToString(format, Invariant) : "—";
            Console.WriteLine($"| {name} | {Text(median)} | {string.Join(" / ", values.Select(Text))} |");
        }

        Row($"**Latency** ({options.LatencyRate:N0} msg/s, {options.LatencyDuration.TotalSeconds:F0} s): readings/s published", r => r.Latency.Rate, "N0");
        Row("values the page displayed (it coalesces)", r => r.Latency.Ui.Displayed, "N0");
        Row("publish → visible (DOM) p50, ms", r => r.Latency.Ui.Dom.P50, "F0");
        Row("publish → visible (DOM) p90, ms", r => r.Latency.Ui.Dom.P90, "F0");
        Row("**publish → visible (DOM) p99, ms** (target ≤ 250)", r => r.Latency.Ui.Dom.P99, "F0");
        Row("publish → visible (DOM) max, ms", r => r.Latency.Ui.Dom.Max, "F0");
        Row("publish → next frame p99, ms", r => r.Latency.Ui.Frame.P99, "F0");
        Row("publish → MQTT subscriber p99, ms (the broker alone)", r => r.Latency.Delivery.P99, "F1");
        Row("CPU: app, cores", r => r.Latency.Cpu.App, "F2");
        Row("CPU: Chromium, cores", r => r.Latency.Cpu.Browser, "F2");
        Row($"**Flood** ({Math.Min(options.FloodPublishers, options.Devices)} QoS 0 publishers): sent msg/s", r => r.Flood.SendRate, "N0");
        Row("broker received msg/s (sustained)", r => r.Flood.BrokerRate, "N0");
        Row("**ingestion read ev/s (sustained)**", r => r.Flood.IngestionRate, "N0");
        Row("ingestion / broker rate", r => r.Flood.IngestionRate / r.Flood.BrokerRate, "P0");
        Row("ingestion done after the broker, s (1 s samples)", r => r.Flood.IngestionBehindSeconds, "F1");
        Row("ingestion backlog max", r => r.Flood.MaxBacklog, "N0");
        Row("ingestion dropped", r => r.Flood.IngestionDropped, "N0");
        Row("RSS at start, MiB", r => r.Flood.RssStart, "F0");
        Row("RSS peak, MiB", r => r.Flood.RssPeak, "F0");
        Row("RSS after, MiB", r => r.Flood.RssAfter, "F0");
        Row("managed heap max, MiB", r => r.Flood.HeapMax, "F0");
        Row("CPU: app, cores", r => r.Flood.Cpu.App, "F2");
        Row("CPU: Chromium, cores", r => r.Flood.Cpu.Browser, "F2");
        Row("CPU: bench (publishers), cores", r => r.Flood.Cpu.Bench, "F2");
        Row("page: publish → DOM p99 under the flood, ms", r => r.Flood.Ui.Dom.P99, "F0");
        Row($"**Memory** ({options.MemoryTopics:N0} distinct topics, no page open): RSS at start-up, MiB", r => r.Memory.Startup.Rss, "F0");
        Row("RSS before the topics, MiB", r => r.Memory.Before.Rss, "F0");
        Row("**RSS after the topics, MiB**", r => r.Memory.After.Rss, "F0");
        Row("RSS after the topics and a full GC, MiB", r => r.Memory.After.RssAfterGc, "F0");
        Row("RSS growth per topic (after full GCs), KiB", r => r.Memory.RssKiBPerTopic, "F1");
        Row("managed heap at start-up (after a full GC), MiB", r => r.Memory.Startup.HeapAfterGc, "F0");
        Row("managed heap before the topics (after a full GC), MiB", r => r.Memory.Before.HeapAfterGc, "F0");
        Row("managed heap after the topics, at rest, MiB", r => r.Memory.After.Heap, "F0");
        Row("**managed heap after the topics (after a full GC), MiB**", r => r.Memory.After.HeapAfterGc, "F0");
        Row("managed heap growth per topic (after full GCs), KiB", r => r.Memory.HeapKiBPerTopic, "F1");
        Row("Topics page open on them: RSS, MiB", r => r.Memory.WithPage.Rss, "F0");
        Row("Topics page open on them: managed heap (after a full GC), MiB", r => r.Memory.WithPage.HeapAfterGc, "F0");
        Row("Topics page load: HTML loaded (prerendered), s", r => r.Memory.PageLoadedSeconds, "F2");
        Row("Topics page load: interactive, s", r => r.Memory.PageInteractiveSeconds, "F2");
        Row("**Topics page load: tree shown, s**", r => r.Memory.TreeShownSeconds, "F2");
        Row("Topics page load: CPU app, cores", r => r.Memory.PageLoadCpu.App, "F2");
        Row("Topics page load: CPU Chromium, cores", r => r.Memory.PageLoadCpu.Browser, "F2");
        Row("Topics page: tree items in the DOM", r => r.Memory.TreeItemsInDom, "N0");
        Row("filter to 1 topic, s (incl. 200 ms debounce)", r => r.Memory.FilterSeconds, "F2");
        Row("clear the filter, s (incl. 200 ms debounce)", r => r.Memory.UnfilterSeconds, "F2");
        Row($"{Math.Max(1, options.MemoryTopics / 10):N0} more topics counted by the open page, s", r => r.Memory.MoreCountedSeconds, "F2");
        Row("load average (1 min) after the run", r => r.LoadAverage, "F2");

        Console.WriteLine();
        foreach (var run in runs)
        {
            if ((run.Latency.Ui.Problem ?? run.Flood.Ui.Problem) is { } problem)
            {
                Console.WriteLine($"- **Run {run.Run}: the page did not catch up**: {problem}");
            }
        }

        Console.WriteLine("- visible = the time the card's text changed in the DOM (a MutationObserver; the change is painted at the next frame, shown as \"next frame\").");
        Console.WriteLine("- The UI shows the latest value per card at most every ~250 ms, so most published values are never displayed: latency is that of the values displayed.");
        Console.WriteLine("- sustained = between the first and the last 1 s $SYS sample while the counter was rising; RSS = VmRSS of the app; heap = GC.GetTotalMemory ($SYS/broker/heap/current; at rest it includes garbage not yet collected, \"after a full GC\" is what the app holds on to: the bench induces one through the app's diagnostics port, as dotnet-gcdump does).");
        Console.WriteLine(string.Format(Invariant, "- {0} cores shared by the app, this bench (MQTT clients) and Chromium.", Environment.ProcessorCount));
    }

    private static string Problem(UiResult ui) => ui.Problem is { } problem ? $"PAGE DID NOT CATCH UP: {problem}{Environment.NewLine}" : "";

    private static string Seconds(double? seconds) => seconds is { } s ? s.ToString("F2", Invariant) + " s" : "NOT within the patience";
}
