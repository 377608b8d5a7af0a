using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dashboard.Bench.History;
using MQTTnet;
using MQTTnet.Protocol;
using Npgsql;

namespace Dashboard.Bench.ScaleOut;

/// <summary>What one configuration's processes are: the external broker, the dashboard instances, PostgreSQL.</summary>
internal sealed record Cluster(BrokerProcess Mosquitto, IReadOnlyList<BrokerProcess> Dashboards, int PostgreSqlPid, string ConnectionString, SysCounter Delivered);

/// <summary>One run: what the publishers got accepted, what was stored and when, the probe's delays, the CPU of each process.</summary>
internal sealed record ScaleOutResult(
    int Instances,
    string Load,
    long Accepted,
    long PublishErrors,
    TimeSpan PublishElapsed,
    long Stored,
    double StoredPerSecond,
    TimeSpan StoreElapsed,
    long MaxLag,
    double DeliveredPerSecond,
    IReadOnlyList<double> ProbeDelaysMs,
    int ProbesSent,
    IReadOnlyList<CpuTimes> Dashboards,
    CpuTimes PostgreSql,
    CpuTimes Mosquitto,
    CpuTimes Bench,
    double LoadAverage)
{
    public double OfferedPerSecond => PublishElapsed > TimeSpan.Zero ? Accepted / PublishElapsed.TotalSeconds : 0;
    public double StoredShare => Accepted > 0 ? (double)Stored / Accepted : double.NaN;

    /// <summary>CPU per message the broker accepted, in µs.</summary>
    public double Micros(CpuTimes cpu) => Accepted > 0 ? cpu.Total.TotalMicroseconds / Accepted : double.NaN;
}

/// <summary>
/// N MQTTnet publishers, QoS 1 with a window of PUBACKs, one reading per message (a plain number) on
/// bench/&lt;run&gt;/load/p&lt;i&gt;/t&lt;j&gt;, to the external broker; the dashboards ingest them through their shared
/// subscription and write them to PostgreSQL. Stored readings are counted in PostgreSQL from the hour rollups (which count
/// exactly what was inserted) every 250 ms. A probe publishes <c>{"value":n,"ts":&lt;now ms&gt;}</c> every
/// <see cref="ScaleOutOptions.ProbeInterval"/>; the bench looks for each probe's row every 20 ms: its delay is publish →
/// row committed and visible to another connection (plus at most one look's interval).
/// </summary>
internal static class ScaleOutRun
{
    private static readonly TimeSpan CountInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan ProbeLookInterval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan PacingSlack = TimeSpan.FromMilliseconds(10);

    public static async Task<ScaleOutResult> RunAsync(Cluster cluster, string run, string load, int rate, TimeSpan duration, ScaleOutOptions o,
        CancellationToken cancellationToken)
    {
        var factory = new MqttClientFactory();
        var publishers = Enumerable.Range(0, o.Publishers).Select(_ => factory.CreateMqttClient()).ToArray();
        var probe = factory.CreateMqttClient();
        try
        {
            await Task.WhenAll(publishers.Select((c, i) => c.ConnectAsync(ClientOptions(cluster.Mosquitto, $"so-{run}-p{i}"), cancellationToken)));
            await probe.ConnectAsync(ClientOptions(cluster.Mosquitto, $"so-{run}-probe"), cancellationToken);
            await using var db = new NpgsqlConnection(cluster.ConnectionString);
            await db.OpenAsync(cancellationToken);
            await using var probeDb = new NpgsqlConnection(cluster.ConnectionString);
            await probeDb.OpenAsync(cancellationToken);

            var cpu = Snapshot(cluster);
            var start = Stopwatch.GetTimestamp();
            var publishing = new Publishing(o.MaxMessages);
            var perPublisher = rate > 0 ? (double)rate / o.Publishers : 0;
            var loadDone = Task.WhenAll(publishers.Select((client, i) => Task.Run(() => PublishAsync(client, run, i, perPublisher, duration, o, publishing, cancellationToken), CancellationToken.None)));
            var pending = new ConcurrentDictionary<long, byte>();
            var probeTopic = $"bench/{run}/probe";
            var probes = Task.Run(() => ProbeAsync(probe, probeTopic, o.ProbeInterval, loadDone, pending, cancellationToken), CancellationToken.None);
            var delays = new List<double>();
            var looking = Task.Run(() => LookForProbesAsync(probeDb, probeTopic, probes, pending, delays, o.DrainTimeout, cancellationToken), CancellationToken.None);

            // Count what is stored until all the broker accepted is, or nothing new came for a while after publishing.
            long stored = 0, maxLag = 0;
            var lastIncrease = start;
            var counts = new List<(long At, long Count)>();
            long? publishedAt = null;
            while (true)
            {
                await Task.Delay(CountInterval, cancellationToken);
                var count = await CountAsync(db, $"bench/{run}/load/%", cancellationToken);
                counts.Add((Stopwatch.GetTimestamp(), count));
                maxLag = Math.Max(maxLag, Interlocked.Read(ref publishing.Accepted) - count);
                if (count > stored)
                {
                    (stored, lastIncrease) = (count, Stopwatch.GetTimestamp());
                }

                if (loadDone.IsCompleted)
                {
                    publishedAt ??= Stopwatch.GetTimestamp();
                    if (stored >= publishing.Accepted || Stopwatch.GetElapsedTime(Math.Max(lastIncrease, publishedAt.Value)) > StallTimeout
                        || Stopwatch.GetElapsedTime(publishedAt.Value) > o.DrainTimeout)
                    {
                        break;
                    }
                }
            }

            var used = Snapshot(cluster) - cpu;
            await loadDone;
            var probesSent = await probes;
            await looking;
            return new ScaleOutResult(
                cluster.Dashboards.Count, load, publishing.Accepted, publishing.Errors, Stopwatch.GetElapsedTime(start, publishing.LastAck), stored,
                StoreRate(counts, start, publishing.LastAck, stored, lastIncrease), Stopwatch.GetElapsedTime(start, lastIncrease), maxLag, cluster.Delivered.RateBetween(start, lastIncrease), delays, probesSent,
                used.Dashboards, used.PostgreSql, used.Mosquitto, used.Bench, IngestRun.LoadAverage());
        }
        finally
        {
            foreach (var client in publishers.Append(probe))
            {
                try
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await client.DisconnectAsync(new MqttClientDisconnectOptions(), timeout.Token);
                }
                catch (Exception ex) when (ex is OperationCanceledException or MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException)
                {
                }

                client.Dispose();
            }
        }
    }

    /// <summary>Counters the publishers share.</summary>
    private sealed class Publishing(long maxMessages)
    {
        public long Attempted;
        public long Accepted;
        public long Errors;
        public long LastAck = Stopwatch.GetTimestamp();

        public bool Take() => Interlocked.Increment(ref Attempted) <= maxMessages;
    }

    private static async Task PublishAsync(IMqttClient client, string run, int publisher, double rate, TimeSpan duration, ScaleOutOptions o,
        Publishing publishing, CancellationToken cancellationToken)
    {
        var topics = Enumerable.Range(0, o.TopicsPerPublisher).Select(j => $"bench/{run}/load/p{publisher}/t{j}").ToArray();
        var random = new Random(publisher);
        var window = new SemaphoreSlim(o.Window); // not disposed: a PUBACK after the bounded wait below may still release it
        var start = Stopwatch.GetTimestamp();
        for (long seq = 0; Stopwatch.GetElapsedTime(start) < duration && publishing.Take(); seq++)
        {
            var ahead = (rate > 0 ? TimeSpan.FromSeconds(seq / rate) : TimeSpan.Zero) - Stopwatch.GetElapsedTime(start);
            if (ahead > PacingSlack)
            {
                // Paced: 10 ms ahead of schedule, so wait (bursts of a few messages, as from many devices; a timer per
                // message would cost the bench more CPU than the broker).
                await Task.Delay(ahead, cancellationToken);
            }

            await window.WaitAsync(cancellationToken);
            var message = new MqttApplicationMessage
            {
                Topic = topics[seq % topics.Length],
                Payload = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes((20 + (random.NextDouble() * 10)).ToString("F2", CultureInfo.InvariantCulture))),
                QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
            };
            _ = client.PublishAsync(message, cancellationToken).ContinueWith(t =>
            {
                if (t.IsCompletedSuccessfully && t.Result.IsSuccess)
                {
                    Interlocked.Increment(ref publishing.Accepted);
                }
                else
                {
                    Interlocked.Increment(ref publishing.Errors);
                }

                Interlocked.Exchange(ref publishing.LastAck, Stopwatch.GetTimestamp());
                window.Release();
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        // Every publish answered (bounded: a PUBACK that never comes ends with the client's timeout).
        for (var i = 0; i < o.Window; i++)
        {
            if (!await window.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken))
            {
                break;
            }
        }
    }

    /// <summary>Publishes a probe every <paramref name="interval"/> until the load is done; returns how many it sent.</summary>
    private static async Task<int> ProbeAsync(IMqttClient client, string topic, TimeSpan interval, Task load, ConcurrentDictionary<long, byte> pending,
        CancellationToken cancellationToken)
    {
        var sent = 0;
        var last = 0L;
        using var timer = new PeriodicTimer(interval);
        while (!load.IsCompleted && await timer.WaitForNextTickAsync(cancellationToken))
        {
            var ts = Math.Max(last + 1, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            last = ts;
            pending[ts] = 0;
            var payload = Encoding.ASCII.GetBytes($"{{\"value\":{sent},\"ts\":{ts}}}");
            _ = client.PublishAsync(new MqttApplicationMessage
            {
                Topic = topic,
                Payload = new ReadOnlySequence<byte>(payload),
                QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
            }, cancellationToken);
            sent++;
        }

        return sent;
    }

    /// <summary>Looks for the pending probes' rows every 20 ms; each one found gives its delay (now − its ts).</summary>
    private static async Task LookForProbesAsync(NpgsqlConnection db, string topic, Task probing, ConcurrentDictionary<long, byte> pending, List<double> delays,
        TimeSpan drainTimeout, CancellationToken cancellationToken)
    {
        long? doneAt = null;
        await using var command = new NpgsqlCommand("""
            SELECT r."Time" FROM "Readings" r JOIN "Series" s ON s."Id" = r."SeriesId"
            WHERE s."Topic" = @topic AND r."Time" = ANY(@pending)
            """, db);
        command.Parameters.AddWithValue("topic", topic);
        var times = new NpgsqlParameter<long[]>("pending", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Bigint);
        command.Parameters.Add(times);
        while (true)
        {
            await Task.Delay(ProbeLookInterval, cancellationToken);
            if (!pending.IsEmpty)
            {
                times.TypedValue = [.. pending.Keys];
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                while (await reader.ReadAsync(cancellationToken))
                {
                    var ts = reader.GetInt64(0);
                    if (pending.TryRemove(ts, out _))
                    {
                        delays.Add(now - ts);
                    }
                }
            }

            if (probing.IsCompleted)
            {
                doneAt ??= Stopwatch.GetTimestamp();
                if (pending.IsEmpty || Stopwatch.GetElapsedTime(doneAt.Value) > drainTimeout)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Readings stored per second while the load ran: the rise of the count from 2 s after the start (past the pipeline's
    /// first fill) to the end of publishing. Runs too short for that: everything stored / the time it took.
    /// </summary>
    private static double StoreRate(List<(long At, long Count)> counts, long start, long published, long stored, long lastIncrease)
    {
        var window = counts.Where(c => Stopwatch.GetElapsedTime(start, c.At) >= TimeSpan.FromSeconds(2) && c.At <= published).ToList();
        if (window.Count >= 4)
        {
            return (window[^1].Count - window[0].Count) / Stopwatch.GetElapsedTime(window[0].At, window[^1].At).TotalSeconds;
        }

        var elapsed = Stopwatch.GetElapsedTime(start, lastIncrease);
        return elapsed > TimeSpan.Zero ? stored / elapsed.TotalSeconds : 0;
    }

    private static async Task<long> CountAsync(NpgsqlConnection db, string prefix, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT coalesce(sum(h."Count"), 0)::bigint FROM "HourRollups" h JOIN "Series" s ON s."Id" = h."SeriesId" WHERE s."Topic" LIKE @prefix
            """, db);
        command.Parameters.AddWithValue("prefix", prefix);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private sealed record CpuSnapshot(IReadOnlyList<CpuTimes> Dashboards, CpuTimes PostgreSql, CpuTimes Mosquitto, CpuTimes Bench)
    {
        public static CpuSnapshot operator -(CpuSnapshot a, CpuSnapshot b) =>
            new([.. a.Dashboards.Zip(b.Dashboards, (x, y) => x - y)], a.PostgreSql - b.PostgreSql, a.Mosquitto - b.Mosquitto, a.Bench - b.Bench);
    }

    private static CpuSnapshot Snapshot(Cluster cluster) => new(
        [.. cluster.Dashboards.Select(d => d.CpuTime())], BenchServers.PostgreSqlCpu(cluster.PostgreSqlPid), cluster.Mosquitto.CpuTime(),
        BrokerProcess.CpuTimeOf(Environment.ProcessId));

    internal static MqttClientOptions ClientOptions(BrokerProcess broker, string clientId)
    {
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", broker.MqttPort)
            .WithClientId(clientId)
            .WithCleanSession()
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(60))
            .WithTimeout(TimeSpan.FromSeconds(60))
            .Build();
        // 1 MiB socket buffers, as in the broker benchmark (see bench/README.md, "Client socket buffers").
        ((MqttClientTcpOptions)options.ChannelOptions).BufferSize = 1024 * 1024;
        return options;
    }
}
