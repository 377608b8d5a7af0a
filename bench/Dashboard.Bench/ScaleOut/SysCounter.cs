using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using MQTTnet;

namespace Dashboard.Bench.ScaleOut;

/// <summary>
/// Mosquitto's count of PUBLISH packets it has sent to subscribers (<c>$SYS/broker/publish/messages/sent</c>, every
/// <c>sys_interval</c> = 1 s here), sampled with the time each value arrived: its rise over a run is the broker's delivery
/// rate (to the dashboards; the few $SYS messages to this client are in it too).
/// </summary>
internal sealed class SysCounter : IAsyncDisposable
{
    public const string Topic = "$SYS/broker/publish/messages/sent";

    private readonly IMqttClient _client;
    private readonly List<(long At, long Value)> _samples = [];

    private SysCounter(IMqttClient client) => _client = client;

    public static async Task<SysCounter> StartAsync(BrokerProcess broker, CancellationToken cancellationToken)
    {
        var factory = new MqttClientFactory();
        var counter = new SysCounter(factory.CreateMqttClient());
        counter._client.ApplicationMessageReceivedAsync += e =>
        {
            if (long.TryParse(Encoding.ASCII.GetString(e.ApplicationMessage.Payload.ToArray()), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                lock (counter._samples)
                {
                    counter._samples.Add((Stopwatch.GetTimestamp(), value));
                }
            }

            return Task.CompletedTask;
        };
        await counter._client.ConnectAsync(ScaleOutRun.ClientOptions(broker, "so-sys"), cancellationToken);
        await counter._client.SubscribeAsync(factory.CreateSubscribeOptionsBuilder().WithTopicFilter(Topic).Build(), cancellationToken);
        return counter;
    }

    /// <summary>Messages per second between the first sample at or after <paramref name="from"/> and the last at or before <paramref name="to"/>.</summary>
    public double RateBetween(long from, long to)
    {
        lock (_samples)
        {
            var inside = _samples.Where(s => s.At >= from && s.At <= to).ToList();
            if (inside.Count < 2)
            {
                return double.NaN;
            }

            var (first, last) = (inside[0], inside[^1]);
            return (last.Value - first.Value) / Stopwatch.GetElapsedTime(first.At, last.At).TotalSeconds;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _client.DisconnectAsync(new MqttClientDisconnectOptions(), timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException)
        {
        }

        _client.Dispose();
    }
}
