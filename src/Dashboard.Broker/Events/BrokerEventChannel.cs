using System.Threading.Channels;
using Dashboard.Broker.Metrics;
using Microsoft.Extensions.Options;

namespace Dashboard.Broker.Events;

/// <summary>How many broker events wait for their one reader; the host sets it (the dashboard from <c>Ingestion:ChannelCapacity</c>).</summary>
public sealed class BrokerEventChannelOptions
{
    [System.ComponentModel.DataAnnotations.Range(1, 10_000_000)]
    public int Capacity { get; set; }
}

/// <summary>
/// The broker's one hand-off to everything slower: a bounded channel written without waiting, read by one reader.
/// When it is full the event is dropped, counted and (at most every ten seconds) logged.
/// </summary>
public sealed class BrokerEventChannel
{
    private readonly Channel<BrokerEvent> _channel;
    private readonly BrokerMetrics _metrics;
    private readonly ILogger<BrokerEventChannel> _logger;
    private readonly LogLimiter _dropLog = new(TimeSpan.FromSeconds(10));
    private readonly int _capacity;
    private long _read;

    public BrokerEventChannel(IOptions<BrokerEventChannelOptions> options, BrokerMetrics metrics, ILogger<BrokerEventChannel> logger)
    {
        _capacity = options.Value.Capacity;
        _channel = Channel.CreateBounded<BrokerEvent>(new BoundedChannelOptions(_capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then answers false instead of dropping silently
        });
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>Events waiting to be read.</summary>
    public int Count => _channel.Reader.Count;

    /// <summary>Events read since start.</summary>
    public long Read => Volatile.Read(ref _read);

    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => _channel.Reader.WaitToReadAsync(cancellationToken);

    /// <summary>Takes the next event; only one reader may call it.</summary>
    public bool TryRead(out BrokerEvent brokerEvent)
    {
        if (!_channel.Reader.TryRead(out brokerEvent))
        {
            return false;
        }

        Volatile.Write(ref _read, _read + 1);
        return true;
    }

    internal void Publish(in BrokerEvent brokerEvent)
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
