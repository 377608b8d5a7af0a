using System.Globalization;

namespace Dashboard.Bench.History;

/// <summary>What <c>bench/run.sh history</c> measures. Every loop is bounded by these counts and times.</summary>
internal sealed record HistoryBenchOptions
{
    public int Runs { get; init; } = 3;
    public int Publishers { get; init; } = 8;
    public int TopicsPerPublisher { get; init; } = 25;
    public int MessagesPerPublisher { get; init; } = 25_000;
    public int MetricsPerMessage { get; init; } = 4;

    /// <summary>Readings per second offered in the paced run; 0 skips it.</summary>
    public int PacedRate { get; init; } = 50_000;
    public TimeSpan PacedDuration { get; init; } = TimeSpan.FromSeconds(20);

    public long BulkReadings { get; init; } = 10_000_000;
    public int BulkSeries { get; init; } = 10;
    public int QueryRuns { get; init; } = 10;
    public bool SkipIngest { get; init; }
    public bool SkipBulk { get; init; }
    public bool KeepTemp { get; init; }

    /// <summary><c>--provider postgresql</c>: the bulk database and the charts on a PostgreSQL server the bench starts (no ingest runs).</summary>
    public bool PostgreSql { get; init; }

    /// <summary>PostgreSQL settings (<c>--pg name=value</c>) on top of the server's own defaults.</summary>
    public IReadOnlyList<string> PostgreSqlSettings { get; init; } = [];
    public TimeSpan RunTimeout { get; init; } = TimeSpan.FromSeconds(120);

    public int MessagesPerRun => Publishers * MessagesPerPublisher;

    public const string Usage = """
        Usage: bench/run.sh history [options]
          --runs N              flat-out ingest runs, with and without readings (default 3)
          --publishers N        publishing clients (default 8); one subscriber on bench/#
          --topics N            topics per publisher (default 25)
          --messages N          messages per publisher per run (default 25000)
          --metrics N           numeric JSON fields per message, each a reading (default 4)
          --rate N              readings/s offered in the paced run, 0 to skip it (default 50000)
          --paced-seconds S     length of the paced run (default 20)
          --readings N          readings in the bulk database for the query timings (default 10000000)
          --series N            series they are spread over, 30 days each (default 10)
          --queries N           timed runs per query (default 10)
          --skip-ingest         only the bulk database and the queries
          --skip-bulk           only the ingest runs
          --provider P          sqlite (default) or postgresql: the bulk database and the charts on a PostgreSQL 15
                                server started here (Debian's package, temp folder, free port); no ingest runs then
                                (ingestion into PostgreSQL: bench/run.sh scaleout)
          --pg NAME=VALUE       a PostgreSQL setting (repeatable), over the server's defaults
          --keep-temp           keep the temp folder (logs, databases)
        """;

    public static HistoryBenchOptions? Parse(string[] args, out string? error)
    {
        error = null;
        var options = new HistoryBenchOptions();
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value");
                long Long(long min) => long.Parse(Next(), CultureInfo.InvariantCulture) is var n && n >= min ? n : throw new FormatException($"{args[i]} must be at least {min}");
                int Int(int min) => checked((int)Long(min));
                options = args[i] switch
                {
                    "--runs" => options with { Runs = Int(1) },
                    "--publishers" => options with { Publishers = Int(1) },
                    "--topics" => options with { TopicsPerPublisher = Int(1) },
                    "--messages" => options with { MessagesPerPublisher = Int(1) },
                    "--metrics" => options with { MetricsPerMessage = Int(1) },
                    "--rate" => options with { PacedRate = Int(0) },
                    "--paced-seconds" => options with { PacedDuration = TimeSpan.FromSeconds(Int(1)) },
                    "--readings" => options with { BulkReadings = Long(1000) },
                    "--series" => options with { BulkSeries = Int(1) },
                    "--queries" => options with { QueryRuns = Int(1) },
                    "--skip-ingest" => options with { SkipIngest = true },
                    "--skip-bulk" => options with { SkipBulk = true },
                    "--keep-temp" => options with { KeepTemp = true },
                    "--provider" => Next().ToLowerInvariant() switch
                    {
                        "sqlite" => options with { PostgreSql = false },
                        "postgresql" => options with { PostgreSql = true },
                        var other => throw new FormatException($"--provider is sqlite or postgresql, not {other}"),
                    },
                    "--pg" => options with { PostgreSqlSettings = [.. options.PostgreSqlSettings, Setting(Next())] },
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

    private static string Setting(string value) =>
        value.Split('=', 2) is [{ Length: > 0 }, _] ? value : throw new FormatException($"--pg takes name=value, not {value}");
}
