using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using MQTTnet;
using MQTTnet.Protocol;

namespace Dashboard.Bench.History;

/// <summary>One ingest run: what the subscriber got, what the app persisted and how long each took.</summary>
internal sealed record IngestResult(
    long Published,
    long Received,
    TimeSpan RoutedElapsed,
    long ReadingsExpected,
    long ReadingsStored,
    TimeSpan PersistElapsed,
    long MaxLagReadings,
    CpuTimes BrokerCpu,
    double LoadAverage)
{
    public double MessagesPerSecond => RoutedElapsed > TimeSpan.Zero ? Received / RoutedElapsed.TotalSeconds : 0;
    public double ReadingsPerSecond => PersistElapsed > TimeSpan.Zero ? ReadingsStored / PersistElapsed.TotalSeconds : 0;
    public double BrokerMicrosPerMessage => Published > 0 ? BrokerCpu.Total.TotalMicroseconds / Published : double.NaN;
}

/// <summary>
/// Publishers on bench/&lt;run&gt;/p&lt;i&gt;/t&lt;j&gt; and one subscriber on bench/#, all MQTTnet over loopback TCP, against
/// the Dashboard process. With readings, each payload is a JSON object of N numbers and its own "ts" (one second
/// apart per topic, so no two readings of a series share a millisecond); without, a binary payload of the same size
/// that is not a reading, so the broker and ingestion do the same work and the history does nothing. Readings
/// persisted are counted in the app's database from its hour rollups (cheap, and exact: they count what was inserted).
/// </summary>
internal static class IngestRun
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(3);

    public static async Task<IngestResult> RunAsync(BrokerProcess app, string databasePath, string run, bool readings, int pacedRate,
        HistoryBenchOptions options, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.RunTimeout);
        var token = deadline.Token;
        var factory = new MqttClientFactory();
        var clients = new List<IMqttClient>();
        try
        {
            var subscriber = factory.CreateMqttClient();
            clients.Add(subscriber);
            long received = 0, firstReceived = 0, lastReceived = 0;
            subscriber.ApplicationMessageReceivedAsync += _ =>
            {
                var now = Stopwatch.GetTimestamp();
                Interlocked.CompareExchange(ref firstReceived, now, 0);
                Interlocked.Exchange(ref lastReceived, now);
                Interlocked.Increment(ref received);
                return Task.CompletedTask;
            };
            await subscriber.ConnectAsync(ClientOptions(app, $"hist-{run}-sub"), token);
            await subscriber.SubscribeAsync(factory.CreateSubscribeOptionsBuilder().WithTopicFilter($"bench/{run}/#").Build(), token);

            var publishers = Enumerable.Range(0, options.Publishers).Select(_ => factory.CreateMqttClient()).ToArray();
            clients.AddRange(publishers);
            await Task.WhenAll(publishers.Select((c, i) => c.ConnectAsync(ClientOptions(app, $"hist-{run}-pub{i}"), token)));

            var messagesPerPublisher = pacedRate > 0
                ? (int)(pacedRate / options.MetricsPerMessage * options.PacedDuration.TotalSeconds / options.Publishers)
                : options.MessagesPerPublisher;
            var perPublisherRate = pacedRate > 0 ? (double)pacedRate / options.MetricsPerMessage / options.Publishers : 0;
            var expectedMessages = (long)messagesPerPublisher * options.Publishers;
            var expectedReadings = readings ? expectedMessages * options.MetricsPerMessage : 0;
            var sent = new long[options.Publishers];

            var cpu = app.CpuTime();
            var start = Stopwatch.GetTimestamp();
            var firstTs = DateTimeOffset.UtcNow.AddHours(-6).ToUnixTimeMilliseconds();
            var publishing = Task.WhenAll(publishers.Select((client, i) => Task.Run(() =>
                PublishAsync(client, run, i, messagesPerPublisher, perPublisherRate, readings, firstTs, options, sent, token), CancellationToken.None)));

            // Poll what is persisted while the load runs, until everything is in, or nothing new came for a while after publishing.
            long stored = 0, maxLag = 0;
            var lastIncrease = start;
            await using (var db = new SqliteConnection($"Data Source={databasePath};Mode=ReadOnly;Pooling=False"))
            {
                if (readings)
                {
                    await db.OpenAsync(token);
                }

                while (!token.IsCancellationRequested)
                {
                    await Task.Delay(PollInterval, token);
                    if (readings)
                    {
                        var count = Count(db, run);
                        var offered = sent.Sum() * options.MetricsPerMessage;
                        maxLag = Math.Max(maxLag, offered - count);
                        if (count > stored)
                        {
                            stored = count;
                            lastIncrease = Stopwatch.GetTimestamp();
                        }
                    }

                    var routed = Interlocked.Read(ref received) >= expectedMessages || Stopwatch.GetElapsedTime(Interlocked.Read(ref lastReceived)) > StallTimeout;
                    var persisted = !readings || stored >= expectedReadings || Stopwatch.GetElapsedTime(lastIncrease) > StallTimeout;
                    var done = publishing.IsCompleted && routed && persisted;
                    if (done)
                    {
                        break;
                    }
                }
            }

            await publishing;
            cpu = app.CpuTime() - cpu;
            return new IngestResult(
                Published: sent.Sum(),
                Received: Interlocked.Read(ref received),
                RoutedElapsed: Stopwatch.GetElapsedTime(start, Interlocked.Read(ref lastReceived)),
                ReadingsExpected: expectedReadings,
                ReadingsStored: stored,
                PersistElapsed: readings ? Stopwatch.GetElapsedTime(start, lastIncrease) : TimeSpan.Zero,
                MaxLagReadings: maxLag,
                BrokerCpu: cpu,
                LoadAverage: LoadAverage());
        }
        finally
        {
            foreach (var client in clients)
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

    /// <summary>Readings of this run stored so far: the hour rollups' counts of its series.</summary>
    private static long Count(SqliteConnection db, string run)
    {
        using var command = db.CreateCommand();
        command.CommandText = "SELECT coalesce(sum(Count), 0) FROM HourRollups WHERE SeriesId IN (SELECT Id FROM Series WHERE Topic LIKE $prefix)";
        command.Parameters.AddWithValue("$prefix", $"bench/{run}/%");
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static async Task PublishAsync(IMqttClient client, string run, int publisher, int messages, double rate, bool readings, long firstTs,
        HistoryBenchOptions options, long[] sent, CancellationToken token)
    {
        var topics = Enumerable.Range(0, options.TopicsPerPublisher).Select(j => $"bench/{run}/p{publisher}/t{j}").ToArray();
        var random = new Random(publisher);
        var text = new StringBuilder(128);
        var start = Stopwatch.GetTimestamp();
        try
        {
            for (var seq = 0; seq < messages && !token.IsCancellationRequested; seq++)
            {
                if (rate > 0 && seq / rate > Stopwatch.GetElapsedTime(start).TotalSeconds)
                {
                    // Paced: ahead of schedule, so wait a little (a few ms at a time: bursts, as from many devices).
                    await Task.Delay(TimeSpan.FromSeconds(seq / rate) - Stopwatch.GetElapsedTime(start), token);
                }

                var ts = firstTs + (long)(seq / topics.Length) * 1000;
                text.Clear().Append('{');
                for (var m = 0; m < options.MetricsPerMessage; m++)
                {
                    text.Append(CultureInfo.InvariantCulture, $"\"m{m}\":{20 + random.NextDouble() * 10:F2},");
                }

                text.Append(CultureInfo.InvariantCulture, $"\"ts\":{ts}}}");
                var payload = Encoding.UTF8.GetBytes(text.ToString());
                if (!readings)
                {
                    // Same size, but binary: ingestion reads it and finds no reading.
                    payload.AsSpan().Fill(0x01);
                    payload[0] = 0;
                }

                await client.PublishAsync(new MqttApplicationMessage
                {
                    Topic = topics[seq % topics.Length],
                    Payload = new ReadOnlySequence<byte>(payload),
                    QualityOfServiceLevel = MqttQualityOfServiceLevel.AtMostOnce,
                }, token);
                Interlocked.Increment(ref sent[publisher]);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }

    private static MqttClientOptions ClientOptions(BrokerProcess app, string clientId)
    {
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", app.MqttPort)
            .WithClientId(clientId)
            .WithCleanSession()
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(60))
            .WithTimeout(TimeSpan.FromSeconds(60))
            .Build();
        // 1 MiB socket buffers, as in the broker benchmark (see bench/README.md, "Client socket buffers").
        ((MqttClientTcpOptions)options.ChannelOptions).BufferSize = 1024 * 1024;
        return options;
    }

    internal static double LoadAverage() =>
        double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
}
