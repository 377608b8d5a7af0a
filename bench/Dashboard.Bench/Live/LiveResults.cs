namespace Dashboard.Bench.Live;

/// <summary>Percentiles of a set of latencies in ms (nearest rank); NaN when there are none.</summary>
internal sealed record Distribution(int Count, double P50, double P90, double P99, double Max)
{
    public static Distribution Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        double At(double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new Distribution(sorted.Length, At(0.50), At(0.90), At(0.99), sorted.Length == 0 ? double.NaN : sorted[^1]);
    }
}

/// <summary>
/// What the page showed of one phase's values: how many distinct published values it displayed (the UI coalesces,
/// so most are skipped) and, for those, publish → DOM change and publish → the next frame after it.
/// <see cref="Problem"/> says what was wrong when the page did not end up showing every series' last value.
/// </summary>
internal sealed record UiResult(int Published, int Displayed, int Foreign, Distribution Dom, Distribution Frame, string? Problem);

/// <summary>Phase 1: QoS 0 readings as fast as the publishers can send them, with the Overview open.</summary>
internal sealed record FloodResult(
    int Sent,
    double SendSeconds,
    long BrokerReceived,
    double BrokerRate,
    long IngestionProcessed,
    double IngestionRate,
    double IngestionBehindSeconds,
    long MaxBacklog,
    long IngestionDropped,
    long MessagesDropped,
    double RssStart,
    double RssPeak,
    double RssAfter,
    double HeapStart,
    double HeapMax,
    double HeapAfter,
    CpuSplit Cpu,
    UiResult Ui,
    IReadOnlyList<string> Timeline)
{
    public double SendRate => SendSeconds > 0 ? Sent / SendSeconds : 0;
}

/// <summary>Phase 2: a steady rate over the devices, with the Overview open.</summary>
internal sealed record LatencyResult(int Published, double Seconds, CpuSplit Cpu, Distribution Delivery, UiResult Ui)
{
    public double Rate => Seconds > 0 ? Published / Seconds : 0;
}

/// <summary>The app's RSS and managed heap (MiB) at rest, and again right after a full GC (what it holds on to).</summary>
internal sealed record MemoryPoint(double Rss, double Heap, double RssAfterGc, double HeapAfterGc);

/// <summary>Phase 3: one message on each of many new topics, then the Topics page on them.</summary>
internal sealed record MemoryResult(
    int Topics,
    MemoryPoint Startup,
    MemoryPoint Before,
    MemoryPoint After,
    MemoryPoint WithPage,
    double RssPeak,
    double PublishSeconds,
    double IngestedSeconds,
    double PageLoadedSeconds,
    double PageInteractiveSeconds,
    double? TreeShownSeconds,
    CpuSplit PageLoadCpu,
    int TreeItemsInDom,
    double? FilterSeconds,
    double? UnfilterSeconds,
    int MoreTopics,
    double? MoreCountedSeconds)
{
    public double RssKiBPerTopic => (After.RssAfterGc - Before.RssAfterGc) * 1024 / Topics;

    public double HeapKiBPerTopic => (After.HeapAfterGc - Before.HeapAfterGc) * 1024 / Topics;
}

internal sealed record LiveRunResult(int Run, double LoadAverage, LatencyResult Latency, FloodResult Flood, MemoryResult Memory, IReadOnlyList<string> LoggedProblems);
