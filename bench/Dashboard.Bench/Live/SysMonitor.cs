using System.Diagnostics;
using System.Globalization;
using System.Text;
using MQTTnet;

namespace Dashboard.Bench.Live;

/// <summary>One refresh of the app's $SYS/broker topics, stamped with the bench's Stopwatch when it arrived, and the app's RSS then.</summary>
internal sealed record SysSample(long Timestamp, long Received, long Processed, long Backlog, long IngestionDropped, long MessagesDropped, long HeapBytes, double RssMiB)
{
    public double HeapMiB => HeapBytes / 1024.0 / 1024.0;
}

/// <summary>
/// Reads the app's own counters as a user would: an MQTT client on $SYS/broker/#, refreshed every Broker:SysInterval
/// (the bench sets 1 s). The app publishes heap/current last in each refresh, so its arrival completes a sample.
/// </summary>
internal sealed class SysMonitor : IAsyncDisposable
{
    private const string Prefix = "$SYS/broker/";

    private readonly IMqttClient _client;
    private readonly BrokerProcess _app;
    private readonly Dictionary<string, long> _values = new(StringComparer.Ordinal);
    private readonly List<SysSample> _samples = [];
    private readonly Lock _lock = new();
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SysMonitor(IMqttClient client, BrokerProcess app)
    {
        _client = client;
        _app = app;
        // MQTTnet raises this for one message at a time, so _values needs no lock; _samples is read by other threads.
        client.ApplicationMessageReceivedAsync += e =>
        {
            var topic = e.ApplicationMessage.Topic;
            if (topic.StartsWith(Prefix, StringComparison.Ordinal)
                && long.TryParse(Encoding.UTF8.GetString(e.ApplicationMessage.Payload), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                _values[topic[Prefix.Length..]] = value;
                if (topic == Prefix + "heap/current")
                {
                    Completed(Stopwatch.GetTimestamp());
                }
            }

            return Task.CompletedTask;
        };
    }

    public static async Task<SysMonitor> ConnectAsync(BrokerProcess app, int bufferBytes, CancellationToken cancellationToken)
    {
        var factory = new MqttClientFactory();
        var monitor = new SysMonitor(factory.CreateMqttClient(), app);
        await monitor._client.ConnectAsync(LiveClients.Options(app, "bench-live-sys", bufferBytes), cancellationToken);
        await monitor._client.SubscribeAsync(factory.CreateSubscribeOptionsBuilder().WithTopicFilter(Prefix + "#").Build(), cancellationToken);
        return monitor;
    }

    /// <summary>Samples that arrived after <paramref name="since"/> (a Stopwatch timestamp).</summary>
    public List<SysSample> Since(long since)
    {
        lock (_lock)
        {
            return [.. _samples.Where(s => s.Timestamp > since)];
        }
    }

    /// <summary>The first sample that arrives after now.</summary>
    public Task<SysSample> NextAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var after = Stopwatch.GetTimestamp();
        return WaitForAsync(s => s.Timestamp > after, timeout, "a $SYS refresh", cancellationToken);
    }

    /// <summary>Waits for a sample (the latest one, or one arriving later) that satisfies <paramref name="condition"/>.</summary>
    public async Task<SysSample> WaitForAsync(Func<SysSample, bool> condition, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            Task next;
            lock (_lock)
            {
                if (_samples.Count > 0 && condition(_samples[^1]))
                {
                    return _samples[^1];
                }

                next = _next.Task;
            }

            var left = timeout - deadline.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"Waited {timeout.TotalSeconds:F0} s for {what}; last $SYS sample: {Latest()}");
            }

            await next.WaitAsync(left, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    public SysSample? Latest()
    {
        lock (_lock)
        {
            return _samples.Count > 0 ? _samples[^1] : null;
        }
    }

    public async ValueTask DisposeAsync() => await LiveClients.DisconnectAsync(_client);

    private void Completed(long timestamp)
    {
        long Value(string key) => _values.TryGetValue(key, out var v) ? v : 0;
        var sample = new SysSample(timestamp, Value("messages/received"), Value("ingestion/processed"), Value("ingestion/backlog"),
            Value("ingestion/dropped"), Value("publish/messages/dropped"), Value("heap/current"), RssSampler.Read(_app));
        TaskCompletionSource completed;
        lock (_lock)
        {
            _samples.Add(sample);
            (completed, _next) = (_next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        completed.TrySetResult();
    }
}
