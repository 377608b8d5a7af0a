using System.Globalization;

namespace Dashboard.Bench.Security;

/// <summary>
/// <c>bench/run.sh security</c>'s own options; the rest (--runs, --publishers, --messages, --qos, --brokers, ...) are the
/// broker bench's, used for the delivery runs.
/// </summary>
internal sealed record SecurityBenchOptions(BenchOptions Load)
{
    /// <summary>Clients that connect in one CONNECT run; each secured one as its own user.</summary>
    public int Connects { get; init; } = 100;

    /// <summary>CONNECTs in flight at once: 1 = one after the other.</summary>
    public IReadOnlyList<int> Concurrency { get; init; } = [1, 8];

    /// <summary>ACL entries per user (at least 2): all but the last two match nothing; see <see cref="SecurityBench.AclRules"/>.</summary>
    public int Rules { get; init; } = 20;

    public string MosquittoPasswd { get; init; } = "/usr/bin/mosquitto_passwd";

    /// <summary>If set, a third mosquitto whose password file has this many PBKDF2 iterations (the Dashboard's work per CONNECT).</summary>
    public int? MosquittoIterations { get; init; }

    public bool SkipConnect { get; init; }
    public bool SkipDelivery { get; init; }

    public const string Usage = """
        Usage: bench/run.sh security [options]
          --connects N            clients per CONNECT run (default 100), each secured one its own user
          --concurrency 1,8       CONNECTs in flight at once, one CONNECT scenario each (default 1,8)
          --rules N               ACL entries per user, the granting ones last (default 20, at least 2)
          --mosquitto-passwd P    mosquitto_passwd binary (default /usr/bin/mosquitto_passwd)
          --mosquitto-iterations N  also run a mosquitto whose password hashes use N PBKDF2-SHA512 iterations
                                  (mosquitto_passwd's are 101; the Dashboard's are ASP.NET Core Identity's 100000)
          --skip-connect          only the delivery runs
          --skip-delivery         only the CONNECT runs
        and the broker bench's options for the delivery runs (bench/run.sh --help), e.g.
          --runs N (default 3 here), --warmup N, --publishers N, --messages N (default 10000 here), --qos 0,1, --brokers a,b, --timeout S,
          --dashboard-env K=V, --keep-temp
        The HTTP API is called without credentials, or with X-Api-Key: $BENCH_API_KEY when that is set.
        """;

    public static SecurityBenchOptions? Parse(string[] args, out string? error)
    {
        error = null;
        var rest = new List<string>();
        var parsed = new SecurityBenchOptions(new BenchOptions());
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value");
                int Int(string text, int min) => int.Parse(text, CultureInfo.InvariantCulture) is var n && n >= min ? n : throw new FormatException($"{args[i]} must be at least {min}");

                switch (args[i])
                {
                    case "--connects": parsed = parsed with { Connects = Int(Next(), 1) }; break;
                    case "--concurrency": parsed = parsed with { Concurrency = [.. Next().Split(',').Select(c => Int(c.Trim(), 1))] }; break;
                    case "--rules": parsed = parsed with { Rules = Int(Next(), 2) }; break;
                    case "--mosquitto-passwd": parsed = parsed with { MosquittoPasswd = Next() }; break;
                    case "--mosquitto-iterations": parsed = parsed with { MosquittoIterations = Int(Next(), 1) }; break;
                    case "--skip-connect": parsed = parsed with { SkipConnect = true }; break;
                    case "--skip-delivery": parsed = parsed with { SkipDelivery = true }; break;
                    case "-h" or "--help": throw new FormatException("");
                    default: rest.Add(args[i]); break;
                }
            }
        }
        catch (FormatException ex)
        {
            error = ex.Message;
            return null;
        }

        var load = BenchOptions.Parse([.. rest], out error);
        if (load is null)
        {
            return null;
        }

        // Its runs share fixed topics (devices/<user>/data), which retained messages and persistent sessions would carry over.
        if (load.LeavesState || load.Rate > 0 || load.Brokers.Any(b => b is not (BrokerProcess.DashboardName or BrokerProcess.MosquittoName)))
        {
            error = "the security bench measures dashboard and mosquitto, without --retain, --persistent or --rate";
            return null;
        }

        // Fewer and shorter runs unless told: each scenario runs on four brokers (five with --mosquitto-iterations).
        load = rest.Contains("--runs") ? load : load with { Runs = 3 };
        load = rest.Contains("--messages") ? load : load with { MessagesPerPublisher = 10_000 };
        return parsed with { Load = load };
    }
}
