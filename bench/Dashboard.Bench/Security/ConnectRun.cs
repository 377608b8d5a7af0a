using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using MQTTnet;
using MQTTnet.Protocol;

namespace Dashboard.Bench.Security;

/// <summary>One CONNECT run: how many connected, how fast, how long each waited for CONNACK, what it cost the broker, and how a bystander fared.</summary>
internal sealed record ConnectResult(
    int Attempted,
    int Connected,
    int Failed,
    string? FirstError,
    TimeSpan Elapsed,
    double[] LatenciesMs,
    CpuTimes BrokerCpu,
    double[] ProbeRttMs,
    double LoadAverage)
{
    public double ConnectsPerSecond => Elapsed > TimeSpan.Zero ? Connected / Elapsed.TotalSeconds : 0;

    public double BrokerMsPerConnect => Connected > 0 ? BrokerCpu.Total.TotalMilliseconds / Connected : double.NaN;

    public double BrokerCores => Elapsed > TimeSpan.Zero ? BrokerCpu.Total / Elapsed : 0;
}

/// <summary>
/// N MQTTnet clients connect, one after the other or <c>concurrency</c> at a time, and stay connected until the end of
/// the run (a fleet coming back after a restart); then all disconnect, outside the measured time. Latency is
/// <c>ConnectAsync</c>: TCP handshake, CONNECT, the broker's authentication, CONNACK. Meanwhile a connected
/// bystander ("probe") publishes to itself every 20 ms: its round trip shows whether authentication holds up
/// clients that are already connected.
/// </summary>
internal static class ConnectRun
{
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(20);

    public static async Task<ConnectResult> RunAsync(
        BrokerProcess broker, int count, int concurrency, Func<int, MqttCredentials?> credentials, MqttCredentials? probeCredentials,
        BenchOptions options, string runId, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.RunTimeout);
        var token = deadline.Token;
        var factory = new MqttClientFactory();
        var clients = new IMqttClient?[count];
        var latencies = new double[count];
        var probe = factory.CreateMqttClient();
        var (failed, next) = (0, -1);
        string? firstError = null;
        try
        {
            await probe.ConnectAsync(LoadRun.ClientOptions(broker, $"probe-{runId}", options, probeCredentials), token);
            var probeTopic = $"devices/{probeCredentials?.UserName ?? "probe"}/ping";
            await probe.SubscribeAsync(factory.CreateSubscribeOptionsBuilder().WithTopicFilter(probeTopic, MqttQualityOfServiceLevel.AtMostOnce).Build(), token);
            using var stopProbe = CancellationTokenSource.CreateLinkedTokenSource(token);
            var probing = Task.Run(() => ProbeAsync(probe, probeTopic, stopProbe.Token), CancellationToken.None);

            var brokerCpu = broker.CpuTime();
            var start = Stopwatch.GetTimestamp();
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
            {
                for (var i = Interlocked.Increment(ref next); i < count && !token.IsCancellationRequested; i = Interlocked.Increment(ref next))
                {
                    var client = factory.CreateMqttClient();
                    clients[i] = client;
                    var began = Stopwatch.GetTimestamp();
                    try
                    {
                        var result = await client.ConnectAsync(LoadRun.ClientOptions(broker, $"c-{runId}-{i}", options, credentials(i)), token);
                        latencies[i] = Stopwatch.GetElapsedTime(began).TotalMilliseconds;
                        if (result.ResultCode != MqttClientConnectResultCode.Success)
                        {
                            Fail($"CONNACK {result.ResultCode}");
                        }
                    }
                    catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                    {
                        latencies[i] = double.NaN;
                        Fail($"{ex.GetType().Name}: {ex.Message}");
                    }
                }
            }, CancellationToken.None)));
            var elapsed = Stopwatch.GetElapsedTime(start);
            brokerCpu = broker.CpuTime() - brokerCpu;
            await stopProbe.CancelAsync();
            var rtts = await probing;
            cancellationToken.ThrowIfCancellationRequested();

            var attempted = Math.Min(count, next);
            return new ConnectResult(count, attempted - failed, failed + (count - attempted), firstError, elapsed,
                [.. latencies.Take(attempted).Where(l => !double.IsNaN(l) && l > 0)], brokerCpu, rtts, LoadRun.LoadAverage());
        }
        finally
        {
            await Task.WhenAll(clients.Where(c => c is not null).Append(probe).Select(c => LoadRun.DisconnectAsync(c!)));
        }

        void Fail(string error)
        {
            Interlocked.Increment(ref failed);
            Interlocked.CompareExchange(ref firstError, error, null);
        }
    }

    /// <summary>Publishes its own send time every 20 ms and notes each round trip; a message not back within 5 s counts as 5 s.</summary>
    private static async Task<double[]> ProbeAsync(IMqttClient probe, string topic, CancellationToken token)
    {
        var rtts = new List<double>();
        var back = new SemaphoreSlim(0);
        long sentAt = 0;
        probe.ApplicationMessageReceivedAsync += e =>
        {
            if (e.ApplicationMessage.Payload.Length == 8 && BinaryPrimitives.ReadInt64LittleEndian(e.ApplicationMessage.Payload.FirstSpan) == Interlocked.Read(ref sentAt))
            {
                back.Release();
            }

            return Task.CompletedTask;
        };

        try
        {
            while (!token.IsCancellationRequested)
            {
                var now = Stopwatch.GetTimestamp();
                Interlocked.Exchange(ref sentAt, now);
                var payload = new byte[8];
                BinaryPrimitives.WriteInt64LittleEndian(payload, now);
                await probe.PublishAsync(new MqttApplicationMessage { Topic = topic, Payload = new ReadOnlySequence<byte>(payload) }, token);
                var arrived = await back.WaitAsync(TimeSpan.FromSeconds(5), token);
                rtts.Add(arrived ? Stopwatch.GetElapsedTime(now).TotalMilliseconds : 5000);
                await Task.Delay(ProbeInterval, token);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The run is over.
        }

        return [.. rtts];
    }
}
