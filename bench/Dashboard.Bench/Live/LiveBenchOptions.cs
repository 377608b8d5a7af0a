using System.Globalization;

namespace Dashboard.Bench.Live;

/// <summary>What `bench/run.sh live` measures. Every phase is bounded in messages and in time.</summary>
internal sealed record LiveBenchOptions
{
    public int Runs { get; init; } = 3;

    /// <summary>Devices bench/dev-NN, each with a temperature and a humidity series, shown as cards on the Overview.</summary>
    public int Devices { get; init; } = 50;

    public int FloodPublishers { get; init; } = 4;

    /// <summary>The flood stops after this many messages in all, or after <see cref="FloodDuration"/>, whichever comes first.</summary>
    public int FloodMessages { get; init; } = 600_000;

    public TimeSpan FloodDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Messages per second in all for the latency phase, spread evenly over the devices.</summary>
    public int LatencyRate { get; init; } = 1000;

    public TimeSpan LatencyDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Distinct topics published once each in the memory phase.</summary>
    public int MemoryTopics { get; init; } = 10_000;

    /// <summary>Longest wait for anything the bench waits on (the app to drain, the page to show a value).</summary>
    public TimeSpan Patience { get; init; } = TimeSpan.FromSeconds(180);

    public int ClientBufferBytes { get; init; } = 1024 * 1024;
    public string Chromium { get; init; } = "/usr/bin/chromium";
    public string? DashboardDll { get; init; }
    public IReadOnlyList<KeyValuePair<string, string>> DashboardEnvironment { get; init; } = [];
    public bool KeepTemp { get; init; }

    public const string Usage = """
        Usage: bench/run.sh live [options]
          --runs N              app processes started and measured in turn (default 3); medians are printed
          --devices N           devices bench/dev-NN, 2 metrics each (default 50)
          --flood-publishers N  MQTT clients flooding QoS 0 readings (default 4)
          --flood-messages N    flood size in messages, all publishers together (default 600000)
          --flood-seconds S     flood time limit (default 15)
          --rate N              messages/s in all in the latency phase (default 1000)
          --latency-seconds S   latency phase length (default 30)
          --topics N            distinct topics for the memory phase (default 10000)
          --patience S          longest wait for the app or the page (default 180); a page figure beyond it is reported as missing
          --client-buffer N     MQTT client socket buffer bytes (default 1048576, see bench/README.md)
          --chromium P          the browser (default /usr/bin/chromium; Playwright's own download is never used)
          --dashboard-dll P     the built app (default src/Dashboard/bin/Release/net10.0/Dashboard.dll in the repo)
          --dashboard-env K=V   extra environment variable for the Dashboard (repeatable)
          --keep-temp           keep the temp folder (app logs, SQLite files)
        """;

    public static LiveBenchOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        error = null;
        var options = new LiveBenchOptions();
        try
        {
            for (var i = 0; i < args.Count; i++)
            {
                string Next() => i + 1 < args.Count ? args[++i] : throw new FormatException($"{args[i]} needs a value");
                int Int(int min, int max = int.MaxValue) => int.Parse(Next(), CultureInfo.InvariantCulture) is var n && n >= min && n <= max
                    ? n : throw new FormatException($"{args[i]} must be between {min} and {max}");
                TimeSpan Seconds() => TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture) is var s && s > 0 ? s : throw new FormatException($"{args[i]} must be positive"));

                options = args[i] switch
                {
                    "--runs" => options with { Runs = Int(1) },
                    // Two digits in the topic (dev-00 … dev-99): the bench's values and selectors assume it.
                    "--devices" => options with { Devices = Int(1, 100) },
                    "--flood-publishers" => options with { FloodPublishers = Int(1) },
                    "--flood-messages" => options with { FloodMessages = Int(1) },
                    "--flood-seconds" => options with { FloodDuration = Seconds() },
                    "--rate" => options with { LatencyRate = Int(1) },
                    "--latency-seconds" => options with { LatencyDuration = Seconds() },
                    "--topics" => options with { MemoryTopics = Int(1) },
                    "--patience" => options with { Patience = Seconds() },
                    "--client-buffer" => options with { ClientBufferBytes = Int(4096) },
                    "--chromium" => options with { Chromium = Next() },
                    "--dashboard-dll" => options with { DashboardDll = Next() },
                    "--dashboard-env" => options with { DashboardEnvironment = [.. options.DashboardEnvironment, ParseVariable(Next())] },
                    "--keep-temp" => options with { KeepTemp = true },
                    "-h" or "--help" => throw new FormatException(""),
                    _ => throw new FormatException($"unknown option {args[i]}"),
                };
            }
        }
        catch (FormatException ex)
        {
            error = ex.Message;
            return null;
        }

        // Each phase's values lie in their own range below 1e6 (see LiveValues): the cards show them as plain integers.
        if (options.FloodMessages / (2 * options.Devices) >= LiveValues.RangeSize
            || options.LatencyRate * options.LatencyDuration.TotalSeconds / (2 * options.Devices) >= LiveValues.RangeSize)
        {
            error = $"more than {LiveValues.RangeSize:N0} values per series in one phase: fewer messages or more devices";
            return null;
        }

        return options;
    }

    private static KeyValuePair<string, string> ParseVariable(string value) =>
        value.Split('=', 2) is [{ Length: > 0 } key, var text] ? new(key, text) : throw new FormatException($"--dashboard-env needs NAME=VALUE, not '{value}'");
}
