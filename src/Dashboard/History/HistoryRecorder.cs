using System.Threading.Channels;
using Dashboard.Broker;
using Dashboard.Ingestion;
using Microsoft.Extensions.Options;

namespace Dashboard.History;

/// <summary>
/// The history's ingestion sink: copies each new reading into a bounded buffer for <see cref="HistoryWriter"/>,
/// without waiting. A full buffer means the database fell behind: the reading is dropped, counted and logged.
/// Retained messages replayed at start-up are not new readings and are skipped.
/// </summary>
internal sealed class HistoryRecorder : IBrokerEventSink
{
    private readonly Channel<PendingReading> _buffer;
    private readonly Dictionary<(string Topic, string Metric), SeriesHandle> _series = [];
    private readonly HistoryOptions _options;
    private readonly HistoryStats _stats;
    private readonly ILogger<HistoryRecorder> _logger;
    private readonly LogLimiter _dropLog = new(TimeSpan.FromSeconds(10));

    public HistoryRecorder(IOptions<HistoryOptions> options, HistoryStats stats, ILogger<HistoryRecorder> logger)
    {
        _options = options.Value;
        _stats = stats;
        _logger = logger;
        _buffer = Channel.CreateBounded<PendingReading>(new BoundedChannelOptions(_options.BufferCapacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then answers false instead of dropping silently
        });
    }

    public ChannelReader<PendingReading> Reader => _buffer.Reader;

    public void Handle(in IngestedEvent ingested)
    {
        if (ingested.Event.Restored || !ingested.Event.IsForStorage || ingested.Payload is not { Values.Count: > 0 } payload || ingested.DeviceId is not { } deviceId)
        {
            return;
        }

        var topic = ingested.ReadingsTopic!;
        var time = (payload.Time ?? ingested.Event.Time).ToUnixTimeMilliseconds();
        var values = payload.Values;
        for (var i = 0; i < values.Count; i++)
        {
            var value = values[i];
            if (SeriesFor(topic, value.Metric, deviceId) is not { } series)
            {
                continue;
            }

            var readingTime = time;
            if (payload.Time is null)
            {
                // A series keeps one reading per millisecond. Two that arrive within one (a fast publisher, a burst)
                // are both new readings, so the later one is stored a millisecond after the earlier. Readings with
                // their own time keep it: the same time again is the same reading (a redelivery) and is stored once.
                readingTime = Math.Max(time, series.LastArrival + 1);
                series.LastArrival = readingTime;
            }

            if (_buffer.Writer.TryWrite(new PendingReading(series, value.Unit, value.Value, readingTime, AtArrival: payload.Time is null)))
            {
                _stats.OnReceived();
            }
            else
            {
                var dropped = _stats.OnDropped();
                if (_dropLog.ShouldLog())
                {
                    _logger.LogWarning("History is behind: its buffer of {Capacity} readings is full; {Dropped} readings dropped so far (History:BufferCapacity)",
                        _options.BufferCapacity, dropped);
                }
            }
        }
    }

    private SeriesHandle? SeriesFor(string topic, string metric, string deviceId)
    {
        if (_series.TryGetValue((topic, metric), out var series))
        {
            return series;
        }

        if (_series.Count >= _options.MaxSeries)
        {
            var dropped = _stats.OnSeriesDropped();
            if (_dropLog.ShouldLog())
            {
                _logger.LogWarning("History records its maximum of {Max} series (History:MaxSeries); {Dropped} readings of further series dropped so far",
                    _options.MaxSeries, dropped);
            }

            return null;
        }

        // The device of the series' first reading since start; live state follows later changes (a new status topic).
        series = new SeriesHandle(topic, metric, deviceId);
        _series.Add((topic, metric), series);
        return series;
    }
}
