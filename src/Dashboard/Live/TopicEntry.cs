using Dashboard.Broker.Events;

namespace Dashboard.Live;

/// <summary>One topic in live state: its last message (payload preview, flags), message count and rate, publishers, series.</summary>
internal sealed class TopicEntry(string topic)
{
    private const int MaxPublishers = 8;
    private const int PreviewHeadBytes = 64;
    private readonly RateMeter _rate = new();
    private readonly List<string> _publishers = [];

    public string Topic { get; } = topic;
    public DateTimeOffset LastReceived { get; private set; }
    public long Messages { get; private set; }
    public bool Retained { get; private set; }
    public int Qos { get; private set; }
    public ReadOnlyMemory<byte> Preview { get; private set; }
    public int PayloadLength { get; private set; }
    public List<SeriesEntry> Series { get; } = [];
    public string? DeviceId { get; set; }
    public long Version { get; set; }

    /// <param name="publisher">The publishing client, or who asked the broker to publish ("this dashboard (alice)"); null when
    /// unknown (a retained message replayed at start).</param>
    public void Received(in BrokerEvent e, int previewBytes, string? publisher)
    {
        LastReceived = e.Time;
        Messages++;
        Retained = e.Retain;
        Qos = (int)e.Qos;
        PayloadLength = e.Payload.Length;
        // MQTTnet's payload arrays are immutable: a small one is kept as it is, a large one cut down.
        Preview = e.Payload.Length <= previewBytes ? e.Payload : e.Payload[..previewBytes].ToArray();
        if (publisher is not null && !_publishers.Contains(publisher))
        {
            if (_publishers.Count == MaxPublishers)
            {
                _publishers.RemoveAt(0);
            }

            _publishers.Add(publisher);
        }

        _rate.Add(e.Time.UtcTicks);
    }

    public TopicSnapshot Snapshot(long nowTicks)
    {
        // A slice, not a copy: payloads are never written to once received.
        var head = Preview.Length > PreviewHeadBytes ? Preview[..PreviewHeadBytes] : Preview;
        return new TopicSnapshot(Topic, LastReceived, Messages, _rate.PerSecond(nowTicks), Retained, Qos, DeviceId, Version, head, PayloadLength);
    }

    public TopicDetail Detail(long nowTicks) =>
        new(Snapshot(nowTicks), Preview.ToArray(), PayloadLength, [.. _publishers], [.. Series.Select(s => s.Snapshot())]);
}
