using System.Globalization;

namespace Dashboard.Bench.Live;

/// <summary>
/// CPU time of the Chromium processes this bench started (through Playwright's driver): every process below this one
/// whose name starts with "chrom". The page's renderer lives as long as its browser context, so differences over a
/// phase are that phase's.
/// </summary>
internal static class BrowserCpu
{
    public static TimeSpan Total()
    {
        var parents = new Dictionary<int, (int Parent, string Name)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var pid) && Stat(pid) is { } stat)
            {
                parents[pid] = stat;
            }
        }

        var self = Environment.ProcessId;
        var total = TimeSpan.Zero;
        foreach (var (pid, (_, name)) in parents)
        {
            if (name.StartsWith("chrom", StringComparison.Ordinal) && Descends(pid, self, parents))
            {
                try
                {
                    total += BrokerProcess.CpuTimeOf(pid).Total;
                }
                catch (IOException)
                {
                    // Exited since: its time is lost, which only matters for short-lived helpers.
                }
            }
        }

        return total;
    }

    private static bool Descends(int pid, int ancestor, Dictionary<int, (int Parent, string Name)> parents)
    {
        for (var depth = 0; depth < 64 && parents.TryGetValue(pid, out var entry); depth++)
        {
            if (entry.Parent == ancestor)
            {
                return true;
            }

            pid = entry.Parent;
        }

        return false;
    }

    private static (int Parent, string Name)? Stat(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var open = stat.IndexOf('(');
            var close = stat.LastIndexOf(')');
            var ppid = stat[(close + 2)..].Split(' ')[1]; // state, then ppid (field 4)
            return (int.Parse(ppid, CultureInfo.InvariantCulture), stat[(open + 1)..close]);
        }
        catch (IOException)
        {
            return null;
        }
    }
}

/// <summary>Cores kept busy over a phase by the app, Chromium and this bench (the MQTT clients), on the shared machine.</summary>
internal sealed record CpuSplit(double App, double Browser, double Bench)
{
    public override string ToString() => string.Format(CultureInfo.InvariantCulture, "app {0:F2} / browser {1:F2} / bench {2:F2} cores", App, Browser, Bench);
}

/// <summary>Started at the beginning of a phase; <see cref="Cores"/> at its end.</summary>
internal sealed class CpuMeter(BrokerProcess app)
{
    private readonly long _start = System.Diagnostics.Stopwatch.GetTimestamp();
    private readonly TimeSpan _app = app.CpuTime().Total;
    private readonly TimeSpan _browser = BrowserCpu.Total();
    private readonly TimeSpan _bench = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;

    public CpuSplit Cores()
    {
        var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(_start).TotalSeconds;
        return new CpuSplit(
            (app.CpuTime().Total - _app).TotalSeconds / seconds,
            (BrowserCpu.Total() - _browser).TotalSeconds / seconds,
            (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - _bench).TotalSeconds / seconds);
    }
}
