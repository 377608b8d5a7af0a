using System.Buffers;
using System.Diagnostics;
using MQTTnet;
using MQTTnet.Protocol;

namespace Dashboard.Bench;

/// <summary>One measured run: what was sent, what the subscriber got, how long it took and the CPU it cost.</summary>
internal sealed record RunResult(
    int Attempted,
    int Sent,
    int Received,
    int Duplicates,
    int Foreign,
    int PublishErrors,
    string? FirstError,
    TimeSpan Elapsed,
    bool TimedOut,
    CpuTimes BrokerCpu,
    TimeSpan BenchCpu,
    double LoadAverage,
    Latency? Puback = null,
    TimeSpan BehindSchedule = default)
{
    /// <summary>Accepted by the broker (QoS 0: written to the socket; QoS 1: PUBACKed) but not delivered by the end of the run.</summary>
    public int Lost => Math.Max(0, Sent - Received);

    public double MessagesPerSecond => Elapsed > TimeSpan.Zero ? Received / Elapsed.TotalSeconds : 0;

    public double BrokerMicrosPerMessage => Received > 0 ? BrokerCpu.Total.TotalMicroseconds / Received : double.NaN;

    /// <summary>Share of the broker's CPU time spent in the kernel.</summary>
    public double BrokerSystemShare => BrokerCpu.Total > TimeSpan.Zero ? BrokerCpu.System / BrokerCpu.Total : double.NaN;

    public double BenchMicrosPerMessage => Received > 0 ? BenchCpu.TotalMicroseconds / Received : double.NaN;

    /// <summary>Cores the broker kept busy on average (mosquitto is single-threaded: at most 1).</summary>
    public double BrokerCores => Elapsed > TimeSpan.Zero ? BrokerCpu.Total / Elapsed : 0;
}

/// <summary>Percentiles of the time from PublishAsync to its PUBACK (when MQTTnet's PublishAsync completes), in milliseconds.</summary>
internal sealed record Latency(double P50, double P99, double Max)
{
    /// <summary>Nearest-rank percentiles of the samples; null when there are none.</summary>
    public static Latency? Of(IEnumerable<double> milliseconds)
    {
        var sorted = milliseconds.Where(m => !double.IsNaN(m)).Order().ToArray();
        double At(double p) => sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Length) - 1)];
        return sorted.Length == 0 ? null : new Latency(At(0.50), At(0.99), sorted[^1]);
    }
}

/// <summary>Username and password a bench client sends in CONNECT.</summary>
internal sealed record MqttCredentials(string UserName, string Password);

/// <summary>
/// Where a run's publishers publish and its subscriber subscribes, and with which credentials (none by default).
/// The security bench publishes on devices/&lt;user&gt;/data as users with ACLs.
/// </summary>
internal sealed record LoadTarget(string Filter, Func<int, string> Topic, MqttCredentials? Subscriber = null, Func<int, MqttCredentials?>? Publisher = null)
{
    public static readonly LoadTarget Bench = new("bench/#", i => $"bench/{i}");

    /// <summary>Topics of the run's own (bench/&lt;run&gt;/&lt;i&gt;): neither retained messages nor the sessions of earlier runs get its messages.</summary>
    public static LoadTarget OfRun(string runId) => new($"bench/{runId}/#", i => $"bench/{runId}/{i}");
}

/// <summary>
/// N publishers on bench/&lt;i&gt; and one subscriber on bench/# (or a <see cref="LoadTarget"/>'s topics), all MQTTnet clients in this process over
/// loopback TCP. Throughput is the messages the subscriber received over the time from the first publish to
/// the last receive.
/// </summary>
internal static class LoadRun
{
    public static Task<RunResult> RunAsync(BrokerProcess broker, MqttQualityOfServiceLevel qos, BenchOptions options, string runId, CancellationToken cancellationToken) =>
        RunAsync(broker, qos, options, options.LeavesState ? LoadTarget.OfRun(runId) : LoadTarget.Bench, runId, cancellationToken);

    public static async Task<RunResult> RunAsync(BrokerProcess broker, MqttQualityOfServiceLevel qos, BenchOptions options, LoadTarget target, string runId, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.RunTimeout);
        var token = deadline.Token;
        var factory = new MqttClientFactory();
        var clients = new List<IMqttClient>();
        try
        {
            var subscriberClient = factory.CreateMqttClient();
            clients.Add(subscriberClient);
            var subscriber = new Subscriber(subscriberClient, options.Publishers, options.MessagesPerPublisher);
            await subscriberClient.ConnectAsync(ClientOptions(broker, $"bench-{runId}-sub", options, target.Subscriber, cleanSession: !options.Persistent), token);
            var subscribed = await subscriberClient.SubscribeAsync(factory.CreateSubscribeOptionsBuilder().WithTopicFilter(target.Filter, qos).Build(), token);
            if (subscribed.Items.Single().ResultCode != (MqttClientSubscribeResultCode)(int)qos)
            {
                throw new InvalidOperationException($"{broker.Name} granted {subscribed.Items.Single().ResultCode} for {target.Filter} at QoS {(int)qos}");
            }

            var publishers = Enumerable.Range(0, options.Publishers).Select(_ => factory.CreateMqttClient()).ToArray();
            clients.AddRange(publishers);
            await Task.WhenAll(publishers.Select((client, i) => client.ConnectAsync(ClientOptions(broker, $"bench-{runId}-pub{i}", options, target.Publisher?.Invoke(i)), token)));

            var brokerCpu = broker.CpuTime();
            var benchCpu = Process.GetCurrentProcess().TotalProcessorTime;
            var start = Stopwatch.GetTimestamp();
            var published = await Task.WhenAll(publishers.Select((client, i) => Task.Run(() => PublishAllAsync(client, i, target.Topic(i), qos, options, start, token), CancellationToken.None)));
            await WaitForDeliveryAsync(subscriber, options.IdleTimeout, token);
            brokerCpu = broker.CpuTime() - brokerCpu;
            benchCpu = Process.GetCurrentProcess().TotalProcessorTime - benchCpu;
            cancellationToken.ThrowIfCancellationRequested();

            var last = subscriber.LastReceivedTimestamp;
            return new RunResult(
                Attempted: options.TotalMessages,
                Sent: published.Sum(p => p.Sent),
                Received: subscriber.Unique,
                Duplicates: subscriber.Duplicates,
                Foreign: subscriber.Foreign,
                PublishErrors: published.Sum(p => p.Errors),
                FirstError: published.Select(p => p.FirstError).FirstOrDefault(e => e is not null),
                Elapsed: last > start ? Stopwatch.GetElapsedTime(start, last) : TimeSpan.Zero,
                TimedOut: deadline.IsCancellationRequested,
                BrokerCpu: brokerCpu,
                BenchCpu: benchCpu,
                LoadAverage: LoadAverage(),
                Puback: qos == MqttQualityOfServiceLevel.AtMostOnce ? null : Latency.Of(published.SelectMany(p => p.Latencies)),
                BehindSchedule: published.Max(p => p.BehindSchedule));
        }
        finally
        {
            await Task.WhenAll(clients.Select(DisconnectAsync));
        }
    }

    private sealed record Published(int Sent, int Errors, string? FirstError, double[] Latencies, TimeSpan BehindSchedule);

    /// <summary>
    /// QoS 0: one publish after the other, each awaited only until it is written to the socket, so TCP back-pressure
    /// sets the pace. QoS 1: up to <see cref="BenchOptions.Window"/> publishes wait for their PUBACK at once; the
    /// oldest is awaited first, as PUBACKs come back in order. Paced (<see cref="BenchOptions.Paced"/>): each publish
    /// waits for its time, the publishers' schedules interleaved so that together they send <see cref="BenchOptions.Rate"/>
    /// messages a second; a publish that could not start on time (a full window) is counted as behind schedule.
    /// </summary>
    private static async Task<Published> PublishAllAsync(IMqttClient client, int publisher, string topic, MqttQualityOfServiceLevel qos, BenchOptions options, long start, CancellationToken token)
    {
        var inFlight = new Queue<Task<MqttClientPublishResult>>(options.Window);
        var (sent, errors) = (0, 0);
        string? firstError = null;
        var latencies = new double[options.MessagesPerPublisher];
        latencies.AsSpan().Fill(double.NaN);
        var behind = TimeSpan.Zero;
        string[] topics = options.Retain ? [.. Enumerable.Range(0, 100).Select(n => $"{topic}/{n}")] : [topic];

        void Count(MqttClientPublishResult result)
        {
            if (result.IsSuccess)
            {
                sent++;
            }
            else
            {
                errors++;
                firstError ??= $"PUBACK {result.ReasonCode}";
            }
        }

        try
        {
            for (var sequence = 0; sequence < options.MessagesPerPublisher && !token.IsCancellationRequested; sequence++)
            {
                if (inFlight.Count == options.Window)
                {
                    Count(await inFlight.Dequeue());
                }

                if (options.Paced)
                {
                    var due = start + (long)((sequence * (double)options.Publishers + publisher) * Stopwatch.Frequency / options.Rate);
                    var early = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                    if (early > TimeSpan.Zero)
                    {
                        await Task.Delay(early, token);
                    }
                    else if (-early > behind)
                    {
                        behind = -early;
                    }
                }

                var message = new MqttApplicationMessage
                {
                    Topic = topics[sequence % topics.Length],
                    Payload = new ReadOnlySequence<byte>(Subscriber.Payload(publisher, sequence, options.PayloadBytes)),
                    QualityOfServiceLevel = qos,
                    Retain = options.Retain,
                };
                var called = Stopwatch.GetTimestamp();
                var publish = client.PublishAsync(message, token);
                if (qos == MqttQualityOfServiceLevel.AtMostOnce)
                {
                    Count(await publish);
                }
                else
                {
                    inFlight.Enqueue(TimeAsync(publish, called, latencies, sequence));
                }
            }

            while (inFlight.Count > 0)
            {
                Count(await inFlight.Dequeue());
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The run's time is up: report what was sent.
        }
        catch (Exception ex)
        {
            errors++;
            firstError ??= $"{ex.GetType().Name}: {ex.Message}";
        }

        // Publishes still in flight after a failure or the deadline: observe them so their exceptions go nowhere.
        foreach (var pending in inFlight)
        {
            _ = pending.ContinueWith(static t => t.Exception, TaskScheduler.Default);
        }

        return new Published(sent, errors, firstError, latencies, behind);
    }

    /// <summary>Notes when the PUBACK came (as the application sees it: when PublishAsync completes), not when the loop gets to it.</summary>
    private static async Task<MqttClientPublishResult> TimeAsync(Task<MqttClientPublishResult> publish, long called, double[] latencies, int sequence)
    {
        var result = await publish;
        if (result.IsSuccess)
        {
            latencies[sequence] = Stopwatch.GetElapsedTime(called).TotalMilliseconds;
        }

        return result;
    }

    /// <summary>Waits until every message arrived, or nothing new came for an idle period (the rest is lost), or the run's time is up.</summary>
    private static async Task WaitForDeliveryAsync(Subscriber subscriber, TimeSpan idle, CancellationToken token)
    {
        while (!subscriber.AllReceived.IsCompleted && !token.IsCancellationRequested)
        {
            var before = subscriber.Unique + subscriber.Duplicates;
            await Task.WhenAny(subscriber.AllReceived, Task.Delay(idle, token));
            if (subscriber.Unique + subscriber.Duplicates == before)
            {
                return;
            }
        }
    }

    /// <summary>The 1-minute load average: other processes on this shared machine show up here.</summary>
    internal static double LoadAverage() =>
        double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);

    internal static MqttClientOptions ClientOptions(BrokerProcess broker, string clientId, BenchOptions options, MqttCredentials? credentials = null, bool cleanSession = true)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", broker.MqttPort)
            .WithClientId(clientId)
            .WithCleanSession(cleanSession)
            .WithProtocolVersion(options.ProtocolVersion)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(60))
            .WithTimeout(options.RunTimeout);
        if (!cleanSession && options.ProtocolVersion == MQTTnet.Formatter.MqttProtocolVersion.V500)
        {
            builder = builder.WithSessionExpiryInterval(3600); // MQTT 5 ends a session at disconnect unless given an expiry
        }

        if (credentials is not null)
        {
            builder = builder.WithCredentials(credentials.UserName, credentials.Password);
        }

        var clientOptions = builder.Build();
        ((MqttClientTcpOptions)clientOptions.ChannelOptions).BufferSize = options.ClientBufferBytes;
        return clientOptions;
    }

    /// <summary>Disconnects politely if it can, within 5 s, and disposes the client.</summary>
    internal static async Task DisconnectAsync(IMqttClient client)
    {
        try
        {
            if (client.IsConnected)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await client.DisconnectAsync(new MqttClientDisconnectOptions(), timeout.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or MQTTnet.Exceptions.MqttCommunicationException)
        {
            // The broker is gone or slow to answer: the socket is closed by Dispose anyway.
        }
        finally
        {
            client.Dispose();
        }
    }
}
