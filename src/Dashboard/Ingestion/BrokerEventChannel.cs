using System.Threading.Channels;
using Dashboard.Broker;
using Dashboard.Broker.Metrics;
using Microsoft.Extensions.Options;

namespace Dashboard.Ingestion;

/// <summary>
/// The one hand-off from the broker to everything slower: a bounded channel written without waiting.
/// When it is full the event is dropped, counted and (at most every ten seconds) logged.
/// </summary>
public sealed class BrokerEventChannel
{
    private readonly Channel<BrokerEvent> _channel;
    private readonly BrokerMetrics _metrics;
    private readonly ILogger<BrokerEventChannel> _logger;
    private readonly LogLimiter _dropLog = new(TimeSpan.FromSeconds(10));
    private readonly int _capacity;

    public BrokerEventChannel(IOptions<IngestionOptions> options, BrokerMetrics metrics, ILogger<BrokerEventChannel> logger)
    {
        _capacity = options.Value.ChannelCapacity;
        _channel = Channel.CreateBounded<BrokerEvent>(new BoundedChannelOptions(_capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then answers false instead of dropping silently
        });
        _metrics = metrics;
        _logger = logger;
    }

    public ChannelReader<BrokerEvent> Reader => _channel.Reader;

    public int Count => _channel.Reader.Count;

    public void Publish(in BrokerEvent brokerEvent)
    {
        if (_channel.Writer.TryWrite(brokerEvent))
        {
            return;
        }

        var dropped = _metrics.IngestionDrop();
        if (_dropLog.ShouldLog())
        {
            _logger.LogWarning("Ingestion is behind: its channel of {Capacity} events is full; {Dropped} events dropped so far (Ingestion:ChannelCapacity)",
                _capacity, dropped);
        }
    }
}
