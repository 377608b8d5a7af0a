using System.Globalization;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Dashboard.Bench;

/// <summary>What to measure, from the command line. Every loop of the bench is bounded by these counts and times.</summary>
internal sealed record BenchOptions
{
    public int Runs { get; init; } = 5;
    public int WarmupRuns { get; init; } = 1;
    public int Publishers { get; init; } = 8;
    public int MessagesPerPublisher { get; init; } = 25_000;
    public int PayloadBytes { get; init; } = 64;

    /// <summary>QoS 1 publishes a publisher keeps in flight, so the run measures the broker, not one round trip per message.</summary>
    public int Window { get; init; } = 100;

    /// <summary>
    /// The clients' socket buffers (MQTTnet's MqttClientTcpOptions.BufferSize, set as SO_RCVBUF and SO_SNDBUF).
    /// MQTTnet's default of 8 KiB turns off Linux's buffer autotuning and caps the subscriber's TCP window at a
    /// few KiB: a broker with a backlog for it then stalls on delayed window updates, which measures the client.
    /// </summary>
    public int ClientBufferBytes { get; init; } = 1024 * 1024;

    /// <summary>A run gives up after this long and reports what it got.</summary>
    public TimeSpan RunTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Once the publishers are done, this long without a new message means the rest is lost (QoS 0 under overload).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(2);

    public IReadOnlyList<MqttQualityOfServiceLevel> QosLevels { get; init; } = [MqttQualityOfServiceLevel.AtMostOnce, MqttQualityOfServiceLevel.AtLeastOnce];
    public IReadOnlyList<string> Brokers { get; init; } = [BrokerProcess.DashboardName, BrokerProcess.MosquittoName];
    public MqttProtocolVersion ProtocolVersion { get; init; } = MqttProtocolVersion.V311;
    public string? DashboardDll { get; init; }

    /// <summary>Extra environment for the Dashboard process, for experiments (e.g. Ingestion__ChannelCapacity=16, DOTNET_gcServer=0).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> DashboardEnvironment { get; init; } = [];
    public string Mosquitto { get; init; } = "/usr/sbin/mosquitto";
    public bool KeepTemp { get; init; }

    /// <summary>set_tcp_nodelay for mosquitto; off by default, as in mosquitto's own default (see bench/README.md).</summary>
    public bool MosquittoNoDelay { get; init; }

    /// <summary>Publishers publish retained messages on bench/&lt;run&gt;/&lt;i&gt;/&lt;n % 100&gt;, so the retained store keeps changing.</summary>
    public bool Retain { get; init; }

    /// <summary>The subscriber has a persistent session (clean session off): every message is owed to it until it acknowledges it.</summary>
    public bool Persistent { get; init; }

    /// <summary>Messages per second, all publishers together, of a paced load measured after the flat-out one; 0 for none.</summary>
    public int Rate { get; init; }

    /// <summary>How long the paced load lasts: it sends <see cref="Rate"/> × this many messages.</summary>
    public TimeSpan PacedDuration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>This run's publishers keep to <see cref="Rate"/> (set by <see cref="Loads"/>, not on the command line).</summary>
    public bool Paced { get; init; }

    public int TotalMessages => Publishers * MessagesPerPublisher;

    /// <summary>The broker keeps state across runs (retained messages, persistent sessions), so each run gets topics of its own.</summary>
    public bool LeavesState => Retain || Persistent;

    /// <summary>The loads a QoS level is measured at: flat out (QoS 1: a window of publishes in flight), then paced if <see cref="Rate"/> is set.</summary>
    public IEnumerable<(string Label, BenchOptions Options)> Loads(MqttQualityOfServiceLevel qos)
    {
        yield return (qos == MqttQualityOfServiceLevel.AtMostOnce ? "flat out" : $"window {Window}", this);
        if (Rate > 0)
        {
            var perPublisher = Math.Max(1, (int)(Rate * PacedDuration.TotalSeconds / Publishers));
            yield return (string.Format(CultureInfo.InvariantCulture, "{0:N0} msg/s", Rate), this with { Paced = true, MessagesPerPublisher = perPublisher });
        }
    }

    /// <summary>
    /// `bench/run.sh durable`: what acknowledged-means-stored costs. Options given after it override these.
    /// </summary>
    public static readonly string[] Durable =
    [
        "--retain", "--persistent", "--qos", "1", "--rate", "1000", "--runs", "3", "--messages", "5000",
        "--brokers", $"{BrokerProcess.DashboardName},{BrokerProcess.DashboardPeriodicName},{BrokerProcess.MosquittoName}",
    ];

    public const string Usage = """
        Usage: bench/run.sh [options]
               bench/run.sh durable [options]   the cost of acknowledged means stored: --retain --persistent --qos 1 --rate 1000
                                                --runs 3 --messages 5000 --brokers dashboard,dashboard-periodic,mosquitto
          --runs N            measured runs per broker and QoS (default 5)
          --warmup N          warm-up runs per broker and QoS, not counted (default 1)
          --publishers N      publishing clients (default 8); one subscriber on bench/#
          --messages N        messages per publisher (default 25000)
          --payload N         payload bytes (default 64, at least 8)
          --window N          QoS 1 publishes in flight per publisher (default 100)
          --client-buffer N   client socket buffer bytes, SO_RCVBUF/SO_SNDBUF (default 1048576; MQTTnet's own default is 8192)
          --timeout S         seconds before a run gives up (default 60)
          --idle S            seconds without a message after publishing ends before the rest counts as lost (default 2)
          --qos 0,1           QoS levels to measure (default 0,1)
          --brokers a,b       dashboard, dashboard-periodic, dashboard-synced, mosquitto (default dashboard,mosquitto);
                              dashboard runs with Broker:Durability=Acknowledged, the others with Periodic or Synced
          --retain            publish retained messages, on bench/<run>/<i>/<n % 100>
          --persistent        the subscriber keeps a persistent session (clean session off)
                              (with --retain or --persistent, mosquitto runs with persistence true)
          --rate N            after the flat-out load, a paced load of N msg/s over all publishers (default 0: none)
          --paced-seconds S   how long the paced load lasts (default 10)
          --mqtt5             connect with MQTT 5 instead of 3.1.1
          --dashboard-dll P   the built app (default src/Dashboard/bin/Release/net10.0/Dashboard.dll in the repo)
          --dashboard-env K=V extra environment variable for the Dashboard (repeatable), e.g. Ingestion__ChannelCapacity=16
          --mosquitto P       mosquitto binary (default /usr/sbin/mosquitto)
          --mosquitto-nodelay set_tcp_nodelay true in mosquitto.conf (Kestrel's sockets always have TCP_NODELAY)
          --keep-temp         keep the temp folder (broker logs, config, SQLite file)
        """;

    /// <summary>Parses the arguments; null with a message when they are wrong or help was asked for.</summary>
    public static BenchOptions? Parse(string[] args, out string? error)
    {
        error = null;
        var options = new BenchOptions();
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value");
                int Int(int min) => int.Parse(Next(), CultureInfo.InvariantCulture) is var n && n >= min ? n : throw new FormatException($"{args[i]} must be at least {min}");
                TimeSpan Seconds() => TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture) is var s && s > 0 ? s : throw new FormatException($"{args[i]} must be positive"));

                options = args[i] switch
                {
                    "--runs" => options with { Runs = Int(1) },
                    "--warmup" => options with { WarmupRuns = Int(0) },
                    "--publishers" => options with { Publishers = Int(1) },
                    "--messages" => options with { MessagesPerPublisher = Int(1) },
                    "--payload" => options with { PayloadBytes = Int(8) },
                    "--window" => options with { Window = Int(1) },
                    "--client-buffer" => options with { ClientBufferBytes = Int(4096) },
                    "--timeout" => options with { RunTimeout = Seconds() },
                    "--idle" => options with { IdleTimeout = Seconds() },
                    "--qos" => options with { QosLevels = [.. Next().Split(',').Select(ParseQos)] },
                    "--brokers" => options with { Brokers = [.. Next().Split(',').Select(ParseBroker)] },
                    "--retain" => options with { Retain = true },
                    "--persistent" => options with { Persistent = true },
                    "--rate" => options with { Rate = Int(1) },
                    "--paced-seconds" => options with { PacedDuration = Seconds() },
                    "--mqtt5" => options with { ProtocolVersion = MqttProtocolVersion.V500 },
                    "--dashboard-dll" => options with { DashboardDll = Next() },
                    "--dashboard-env" => options with { DashboardEnvironment = [.. options.DashboardEnvironment, ParseVariable(Next())] },
                    "--mosquitto" => options with { Mosquitto = Next() },
                    "--mosquitto-nodelay" => options with { MosquittoNoDelay = true },
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

    private static KeyValuePair<string, string> ParseVariable(string value) =>
        value.Split('=', 2) is [{ Length: > 0 } key, var text] ? new(key, text) : throw new FormatException($"--dashboard-env needs NAME=VALUE, not '{value}'");

    private static MqttQualityOfServiceLevel ParseQos(string value) => value.Trim() switch
    {
        "0" => MqttQualityOfServiceLevel.AtMostOnce,
        "1" => MqttQualityOfServiceLevel.AtLeastOnce,
        _ => throw new FormatException($"QoS must be 0 or 1, not '{value}'"),
    };

    private static string ParseBroker(string value) => value.Trim().ToLowerInvariant() is var name && (BrokerProcess.IsDashboard(name) || name == BrokerProcess.MosquittoName)
        ? name
        : throw new FormatException($"broker must be {string.Join(", ", BrokerProcess.Durabilities.Keys)} or {BrokerProcess.MosquittoName}, not '{value}'");
}
