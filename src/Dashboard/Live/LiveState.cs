using Dashboard.Broker;
using Dashboard.Broker.Events;
using Dashboard.Devices;
using Dashboard.Ingestion;
using Dashboard.Readings;
using Microsoft.Extensions.Options;

namespace Dashboard.Live;

/// <summary>
/// What is happening now, in memory: each topic's last payload and rate, each (topic, metric)'s latest value
/// with a short window for sparklines, each device's presence, each client. Fed on the ingestion thread only;
/// read by pages and the API through snapshots, under one lock. Bounded by <see cref="LiveOptions"/>: beyond
/// the caps, new topics and series are counted and logged, not tracked.
/// </summary>
public sealed class LiveState(
    IOptions<LiveOptions> options,
    LiveFeed feed,
    ILogger<LiveState> logger) : IBrokerEventSink
{
    private readonly Lock _lock = new();
    private readonly LiveOptions _options = options.Value;
    private readonly Dictionary<string, TopicEntry> _topics = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Topic, string Metric), SeriesEntry> _series = [];
    private readonly Dictionary<string, DeviceEntry> _devices = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ClientEntry> _clients = new(StringComparer.Ordinal);
    private readonly Queue<ClientEntry> _disconnected = new();
    private readonly LogLimiter _capLog = new(TimeSpan.FromSeconds(30));
    private long _version;
    private long _topicsDropped;
    private long _seriesDropped;

    public long Version => Interlocked.Read(ref _version);

    public long TopicsDropped => Interlocked.Read(ref _topicsDropped);

    public long SeriesDropped => Interlocked.Read(ref _seriesDropped);

    public void Handle(in IngestedEvent ingested)
    {
        var brokerEvent = ingested.Event;
        lock (_lock)
        {
            switch (brokerEvent.Kind)
            {
                case BrokerEventKind.MessagePublished:
                    OnPublished(ingested);
                    break;
                case BrokerEventKind.ClientConnected:
                    OnClientConnected(brokerEvent.Client!, brokerEvent.Time);
                    break;
                case BrokerEventKind.ClientDisconnected:
                    OnClientDisconnected(brokerEvent.Client!, brokerEvent.Time);
                    break;
            }
        }
    }

    public IReadOnlyList<DeviceSnapshot> Devices()
    {
        lock (_lock)
        {
            return [.. _devices.Values.Select(Snapshot)];
        }
    }

    public DeviceSnapshot? Device(string id)
    {
        lock (_lock)
        {
            return _devices.TryGetValue(id, out var device) ? Snapshot(device) : null;
        }
    }

    public IReadOnlyList<SeriesSnapshot> Latest()
    {
        lock (_lock)
        {
            return [.. _series.Values.Select(s => s.Snapshot())];
        }
    }

    public IReadOnlyList<TopicSnapshot> Topics()
    {
        lock (_lock)
        {
            var now = DateTime.UtcNow.Ticks;
            return [.. _topics.Values.Select(t => t.Snapshot(now))];
        }
    }

    public TopicDetail? Topic(string topic)
    {
        lock (_lock)
        {
            if (!_topics.TryGetValue(topic, out var entry))
            {
                return null;
            }

            return new TopicDetail(
                entry.Snapshot(DateTime.UtcNow.Ticks),
                entry.Preview.ToArray(),
                entry.PayloadLength,
                [.. entry.Publishers],
                [.. entry.Metrics.Select(m => _series[(topic, m)].Snapshot())]);
        }
    }

    public IReadOnlyList<ClientSnapshot> Clients()
    {
        lock (_lock)
        {
            return [.. _clients.Values.Select(c => c.Snapshot())];
        }
    }

    private void OnPublished(in IngestedEvent ingested)
    {
        var e = ingested.Event;
        var topicName = e.Topic!;
        if (!_topics.TryGetValue(topicName, out var topic))
        {
            if (_topics.Count >= _options.MaxTopics)
            {
                Dropped(ref _topicsDropped, "topics", "Live:MaxTopics", _options.MaxTopics);
                return;
            }

            topic = new TopicEntry(topicName);
            _topics.Add(topicName, topic);
        }

        var publisher = e.Restored ? null : NullIfEmpty(e.ClientId);
        topic.Received(e, _options.PayloadPreviewBytes, publisher);
        topic.Version = ++_version;
        feed.Post(new TopicChanged(topicName));

        if (ingested.Presence is { } report)
        {
            var device = GetDevice(report.DeviceId);
            device.StatusTopic = topicName;
            topic.DeviceId = device.Id;
            LinkClient(device, publisher);
            SetStatus(device, report.Online ? DeviceStatus.Online : DeviceStatus.Offline, $"status topic {topicName}", e.Time, restored: e.Restored);
            return;
        }

        if (ingested.Payload is not { Values.Count: > 0 } parsed || ingested.DeviceId is not { } deviceId)
        {
            return;
        }

        var owner = GetDevice(deviceId);
        topic.DeviceId = owner.Id;
        if (!e.Restored)
        {
            owner.LastSeen = e.Time;
            LinkClient(owner, publisher);
        }

        var time = parsed.Time ?? e.Time;
        foreach (var value in parsed.Values)
        {
            var key = (topicName, value.Metric);
            if (!_series.TryGetValue(key, out var series))
            {
                if (_series.Count >= _options.MaxSeries)
                {
                    Dropped(ref _seriesDropped, "series", "Live:MaxSeries", _options.MaxSeries);
                    continue;
                }

                series = new SeriesEntry(topicName, value.Metric, _options.SparklinePoints);
                _series.Add(key, series);
                topic.Metrics.Add(value.Metric);
            }

            if (series.DeviceId != owner.Id)
            {
                if (series.DeviceId is not null && _devices.TryGetValue(series.DeviceId, out var previousOwner))
                {
                    previousOwner.Series.Remove(key);
                }

                series.DeviceId = owner.Id;
                owner.Series.Add(key);
            }

            series.Add(value.Value, value.Unit, time, StateOf(parsed, value));
            feed.Post(new ReadingChanged(owner.Id, topicName, value.Metric, value.Value, series.Unit, time));
        }

        owner.Version = ++_version;
    }

    private void OnClientConnected(ClientInfo info, DateTimeOffset time)
    {
        if (_clients.TryGetValue(info.ClientId, out var client))
        {
            client.Info = info;
        }
        else
        {
            client = new ClientEntry(info);
            _clients.Add(info.ClientId, client);
        }

        client.Connected = true;
        client.DisconnectedAt = null;
        foreach (var id in client.Devices)
        {
            if (_devices.TryGetValue(id, out var device) && device.StatusTopic is null)
            {
                SetStatus(device, DeviceStatus.Online, "connection", time, restored: false);
            }
        }
    }

    /// <summary>
    /// A device whose client goes away is offline. A device with a status topic is left to it, except when
    /// its client's connection is lost with no will on that topic to say so: a clean DISCONNECT had its chance
    /// to publish "offline" (and is often a one-shot publisher, not the device), and a will is about to.
    /// </summary>
    private void OnClientDisconnected(ClientInfo info, DateTimeOffset time)
    {
        if (!_clients.TryGetValue(info.ClientId, out var client))
        {
            return;
        }

        client.Info = info;
        client.Connected = false;
        client.DisconnectedAt = time;
        foreach (var id in client.Devices)
        {
            if (_devices.TryGetValue(id, out var device) && device.ClientId == info.ClientId
                && (device.StatusTopic is null || (!info.Graceful && info.WillTopic != device.StatusTopic)))
            {
                SetStatus(device, DeviceStatus.Offline, info.Graceful ? "client disconnected" : "connection lost", time, restored: false);
            }
        }

        _disconnected.Enqueue(client);
        while (_disconnected.Count > _options.MaxDisconnectedClients && _disconnected.TryDequeue(out var old))
        {
            if (!old.Connected && old.Devices.Count == 0)
            {
                _clients.Remove(old.Info.ClientId);
            }
        }
    }

    private DeviceEntry GetDevice(string id)
    {
        if (!_devices.TryGetValue(id, out var device))
        {
            device = new DeviceEntry(id);
            _devices.Add(id, device);
            device.Version = ++_version;
            feed.Post(new PresenceChanged(id, device.Status, DateTimeOffset.UtcNow, null));
        }

        return device;
    }

    private void LinkClient(DeviceEntry device, string? clientId)
    {
        if (clientId is null || device.ClientId == clientId)
        {
            return;
        }

        if (device.ClientId is not null && _clients.TryGetValue(device.ClientId, out var previous))
        {
            previous.Devices.Remove(device.Id);
        }

        device.ClientId = clientId;
        device.Version = ++_version;
        if (_clients.TryGetValue(clientId, out var client))
        {
            client.Devices.Add(device.Id);
            if (device.StatusTopic is null && client.Connected)
            {
                SetStatus(device, DeviceStatus.Online, "connection", DateTimeOffset.UtcNow, restored: false);
            }
        }
    }

    private void SetStatus(DeviceEntry device, DeviceStatus status, string source, DateTimeOffset time, bool restored)
    {
        device.StatusSource = source;
        if (device.Status == status)
        {
            return;
        }

        device.Status = status;
        device.LastStatusChange = restored ? null : time;
        device.Version = ++_version;
        feed.Post(new PresenceChanged(device.Id, status, time, device.ClientId));
    }

    private DeviceSnapshot Snapshot(DeviceEntry device)
    {
        ClientEntry? client = null;
        if (device.ClientId is not null)
        {
            _clients.TryGetValue(device.ClientId, out client);
        }

        return new DeviceSnapshot(
            device.Id,
            device.Status,
            device.StatusSource,
            device.LastSeen,
            device.LastStatusChange,
            device.ClientId,
            client?.Info.RemoteAddress,
            client?.Info.ProtocolVersion,
            client?.Info.Transport,
            [.. device.Series.Select(key => _series[key].Snapshot())],
            device.Version);
    }

    private void Dropped(ref long counter, string what, string setting, int cap)
    {
        var total = Interlocked.Increment(ref counter);
        if (_capLog.ShouldLog())
        {
            logger.LogWarning("Live state holds its maximum of {Cap} {What} ({Setting}); {Total} messages on new {What} were not tracked so far",
                cap, what, setting, total, what);
        }
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    /// <summary>The state word behind a 1/0 value: the whole payload's (<c>ON</c>), or a JSON <c>state</c>/<c>status</c> field's.</summary>
    private static string? StateOf(ParsedPayload parsed, ParsedValue value) =>
        parsed.State is not null && (parsed.Kind == PayloadKind.State
            || value.Metric.Equals("state", StringComparison.OrdinalIgnoreCase)
            || value.Metric.Equals("status", StringComparison.OrdinalIgnoreCase))
            ? parsed.State
            : null;

    private sealed class TopicEntry(string topic)
    {
        private const long RateWindow = 5 * TimeSpan.TicksPerSecond;
        private const int PreviewHeadBytes = 64;
        private long _windowStart;
        private int _windowCount;
        private double _rate;

        public string Topic { get; } = topic;
        public DateTimeOffset LastReceived { get; private set; }
        public long Messages { get; private set; }
        public bool Retained { get; private set; }
        public int Qos { get; private set; }
        public ReadOnlyMemory<byte> Preview { get; private set; }
        public int PayloadLength { get; private set; }
        public List<string> Publishers { get; } = [];
        public List<string> Metrics { get; } = [];
        public string? DeviceId { get; set; }
        public long Version { get; set; }

        public void Received(in BrokerEvent e, int previewBytes, string? publisher)
        {
            LastReceived = e.Time;
            Messages++;
            Retained = e.Retain;
            Qos = (int)e.Qos;
            PayloadLength = e.Payload.Length;
            // MQTTnet's payload arrays are immutable: a small one is kept as it is, a large one cut down.
            Preview = e.Payload.Length <= previewBytes ? e.Payload : e.Payload[..previewBytes].ToArray();
            if (publisher is not null && !Publishers.Contains(publisher))
            {
                if (Publishers.Count == 8)
                {
                    Publishers.RemoveAt(0);
                }

                Publishers.Add(publisher);
            }

            var now = e.Time.UtcTicks;
            if (now - _windowStart >= RateWindow)
            {
                _rate = _windowStart == 0 ? 0 : _windowCount / ((double)(now - _windowStart) / TimeSpan.TicksPerSecond);
                _windowStart = now;
                _windowCount = 0;
            }

            _windowCount++;
        }

        public TopicSnapshot Snapshot(long nowTicks)
        {
            var sinceWindow = nowTicks - _windowStart;
            var rate = sinceWindow >= 2 * RateWindow ? 0 // quiet for a while
                : sinceWindow >= RateWindow ? _windowCount / ((double)sinceWindow / TimeSpan.TicksPerSecond)
                : Math.Max(_rate, _windowCount / Math.Max(1.0, (double)sinceWindow / TimeSpan.TicksPerSecond));
            // A slice, not a copy: payloads are never written to once received.
            var head = Preview.Length > PreviewHeadBytes ? Preview[..PreviewHeadBytes] : Preview;
            return new TopicSnapshot(Topic, LastReceived, Messages, rate, Retained, Qos, DeviceId, Version, head, PayloadLength);
        }
    }

    private sealed class SeriesEntry(string topic, string metric, int points)
    {
        private readonly double[] _values = new double[points];
        private readonly long[] _times = new long[points];
        private int _next;
        private int _count;

        public string Topic { get; } = topic;
        public string Metric { get; } = metric;
        public string? DeviceId { get; set; }
        public string? Unit { get; private set; }
        public string? State { get; private set; }

        public void Add(double value, string? unit, DateTimeOffset time, string? state)
        {
            Unit = unit ?? Unit;
            State = state;
            _values[_next] = value;
            _times[_next] = time.UtcTicks;
            _next = (_next + 1) % _values.Length;
            _count = Math.Min(_count + 1, _values.Length);
        }

        public SeriesSnapshot Snapshot()
        {
            var values = new double[_count];
            var times = new DateTimeOffset[_count];
            for (var i = 0; i < _count; i++)
            {
                var index = (_next - _count + i + _values.Length) % _values.Length;
                values[i] = _values[index];
                times[i] = new DateTimeOffset(_times[index], TimeSpan.Zero);
            }

            return new SeriesSnapshot(Topic, Metric, DeviceId ?? "", values[^1], Unit, times[^1], values, times, State);
        }
    }

    private sealed class DeviceEntry(string id)
    {
        public string Id { get; } = id;
        public DeviceStatus Status { get; set; }
        public string? StatusSource { get; set; }
        public string? StatusTopic { get; set; }
        public DateTimeOffset? LastSeen { get; set; }
        public DateTimeOffset? LastStatusChange { get; set; }
        public string? ClientId { get; set; }
        public List<(string Topic, string Metric)> Series { get; } = [];
        public long Version { get; set; }
    }

    private sealed class ClientEntry(ClientInfo info)
    {
        public ClientInfo Info { get; set; } = info;
        public bool Connected { get; set; }
        public DateTimeOffset? DisconnectedAt { get; set; }
        public HashSet<string> Devices { get; } = new(StringComparer.Ordinal);

        public ClientSnapshot Snapshot() =>
            new(Info.ClientId, Connected, Info.RemoteAddress, Info.ProtocolVersion, Info.Transport, Info.ConnectedAt, DisconnectedAt);
    }
}
