using System.Globalization;

namespace Dashboard.Bench.ScaleOut;

/// <summary>What <c>bench/run.sh scaleout</c> measures. Every loop is bounded by these counts and times.</summary>
internal sealed record ScaleOutOptions
{
    public IReadOnlyList<int> Instances { get; init; } = [1, 2];
    public int Runs { get; init; } = 2;
    public int Publishers { get; init; } = 8;
    public int TopicsPerPublisher { get; init; } = 50;

    /// <summary>Messages per second over all publishers in the paced runs; 0 skips them.</summary>
    public int Rate { get; init; } = 5_000;
    public bool FlatOut { get; init; } = true;
    public TimeSpan RunDuration { get; init; } = TimeSpan.FromSeconds(20);
    public TimeSpan WarmupDuration { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Messages in one run at most (flat out stops at this or at the run's duration, whichever comes first).</summary>
    public long MaxMessages { get; init; } = 2_000_000;

    /// <summary>QoS 1 publishes each publisher keeps waiting for their PUBACK at most.</summary>
    public int Window { get; init; } = 100;
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromMilliseconds(50);
    public IReadOnlyList<string> PostgreSqlSettings { get; init; } = [];
    public IReadOnlyList<KeyValuePair<string, string>> DashboardEnvironment { get; init; } = [];
    public string Mosquitto { get; init; } = "/usr/sbin/mosquitto";
    public string? DashboardDll { get; init; }
    public bool KeepTemp { get; init; }

    /// <summary>After publishing, how long the bench waits for the rest to be stored.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public const string Usage = """
        Usage: bench/run.sh scaleout [options]
          --instances LIST      dashboard instances per configuration (default 1,2); each configuration gets a fresh
                                mosquitto and database; 2 or more share a Redis
          --runs N              measured runs per load and configuration (default 2), after one warm-up
          --publishers N        publishing clients, QoS 1 (default 8)
          --topics N            topics per publisher (default 50), each a series
          --rate N              msg/s over all publishers in the paced runs, 0 to skip them (default 5000)
          --no-flat             skip the flat-out runs
          --seconds S           length of a run (default 20); --warmup-seconds S (default 5)
          --max-messages N      messages per run at most (default 2000000)
          --window N            QoS 1 publishes in flight per publisher (default 100)
          --probe-ms N          the delay probe publishes every N ms (default 50)
          --pg NAME=VALUE       a PostgreSQL setting (repeatable), over the server's defaults
          --dashboard-env K=V   extra environment variable for every dashboard instance (repeatable)
          --mosquitto P         mosquitto binary (default /usr/sbin/mosquitto)
          --keep-temp           keep the temp folder (logs, configs)
        """;

    public static ScaleOutOptions? Parse(string[] args, out string? error)
    {
        error = null;
        var options = new ScaleOutOptions();
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value");
                long Long(long min) => long.Parse(Next(), CultureInfo.InvariantCulture) is var n && n >= min ? n : throw new FormatException($"{args[i]} must be at least {min}");
                int Int(int min) => checked((int)Long(min));
                options = args[i] switch
                {
                    "--instances" => options with { Instances = [.. Next().Split(',').Select(n => int.Parse(n, CultureInfo.InvariantCulture) is var c and >= 1 and <= 8 ? c : throw new FormatException("--instances are 1 to 8"))] },
                    "--runs" => options with { Runs = Int(1) },
                    "--publishers" => options with { Publishers = Int(1) },
                    "--topics" => options with { TopicsPerPublisher = Int(1) },
                    "--rate" => options with { Rate = Int(0) },
                    "--no-flat" => options with { FlatOut = false },
                    "--seconds" => options with { RunDuration = TimeSpan.FromSeconds(Int(1)) },
                    "--warmup-seconds" => options with { WarmupDuration = TimeSpan.FromSeconds(Int(1)) },
                    "--max-messages" => options with { MaxMessages = Long(1) },
                    "--window" => options with { Window = Int(1) },
                    "--probe-ms" => options with { ProbeInterval = TimeSpan.FromMilliseconds(Int(5)) },
                    "--pg" => options with { PostgreSqlSettings = [.. options.PostgreSqlSettings, Setting(Next())] },
                    "--dashboard-env" => options with { DashboardEnvironment = [.. options.DashboardEnvironment, Pair(Next(), "--dashboard-env")] },
                    "--mosquitto" => options with { Mosquitto = Next() },
                    "--dashboard-dll" => options with { DashboardDll = Next() },
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

        return options;
    }

    /// <summary>A PostgreSQL setting, checked to be name=value.</summary>
    private static string Setting(string value)
    {
        _ = Pair(value, "--pg");
        return value;
    }

    private static KeyValuePair<string, string> Pair(string value, string option) =>
        value.Split('=', 2) is [{ Length: > 0 } key, var text] ? new(key, text) : throw new FormatException($"{option} needs NAME=VALUE, not '{value}'");
}
