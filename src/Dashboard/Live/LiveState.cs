using Dashboard.Broker;
using Dashboard.Broker.Events;
using Dashboard.Ingestion;
using Dashboard.Readings;
using Microsoft.Extensions.Options;

namespace Dashboard.Live;

/// <summary>
/// What is happening now, in memory: each topic's last payload and rate, each (topic, metric)'s latest value
/// with a short window for sparklines, each device's presence, each client. Fed on the ingestion thread only;
/// read by pages and the API through snapshots, under one lock. Bounded by <see cref="LiveOptions"/>: beyond
/// the caps, new topics and series are counted and logged, not tracked. The parts: <see cref="TopicEntry"/>,
/// <see cref="SeriesEntry"/>, and <see cref="DeviceTracker"/> for devices, clients and presence.
/// </summary>
public sealed partial class LiveState : IBrokerEventSink
{
    private readonly Lock _lock = new();
    private readonly LiveOptions _options;
    private readonly LiveFeed _feed;
    private readonly ILogger<LiveState> _logger;
    private readonly VersionCounter _versions = new();
    private readonly Dictionary<string, TopicEntry> _topics = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Topic, string Metric), SeriesEntry> _series = [];
    private readonly DeviceTracker _devices;
    private readonly TimeProvider _clock;
    private readonly LogLimiter _capLog = new(TimeSpan.FromSeconds(30));
    private long _topicsDropped;
    private long _seriesDropped;

    public LiveState(IOptions<LiveOptions> options, LiveFeed feed, TimeProvider clock, ILogger<LiveState> logger)
    {
        _options = options.Value;
        _feed = feed;
        _clock = clock;
        _logger = logger;
        _devices = new DeviceTracker(feed, _versions, _options.MaxDisconnectedClients, clock);
    }

    public long TopicsDropped => Interlocked.Read(ref _topicsDropped);

    public long SeriesDropped => Interlocked.Read(ref _seriesDropped);

    public void Handle(in IngestedEvent ingested)
    {
        var brokerEvent = ingested.Event;
        if (!brokerEvent.IsForLiveView)
        {
            return; // this instance's share of an external broker's messages: the live view has its own copy
        }

        lock (_lock)
        {
            switch (brokerEvent.Kind)
            {
                case BrokerEventKind.MessagePublished:
                    OnPublished(ingested);
                    break;
                case BrokerEventKind.ClientConnected:
                    _devices.OnClientConnected(brokerEvent.Client!, brokerEvent.Time);
                    break;
                case BrokerEventKind.ClientDisconnected:
                    _devices.OnClientDisconnected(brokerEvent.Client!, brokerEvent.Time);
                    break;
            }
        }
    }

    public IReadOnlyList<DeviceSnapshot> Devices()
    {
        lock (_lock)
        {
            return _devices.Snapshots();
        }
    }

    public DeviceSnapshot? Device(string id)
    {
        lock (_lock)
        {
            return _devices.Snapshot(id);
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
            var now = _clock.GetUtcNow().UtcTicks;
            return [.. _topics.Values.Select(t => t.Snapshot(now))];
        }
    }

    public TopicDetail? Topic(string topic)
    {
        lock (_lock)
        {
            return _topics.TryGetValue(topic, out var entry) ? entry.Detail(_clock.GetUtcNow().UtcTicks) : null;
        }
    }

    public IReadOnlyList<ClientSnapshot> Clients()
    {
        lock (_lock)
        {
            return _devices.Clients();
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
        topic.Received(e, _options.PayloadPreviewBytes, publisher ?? e.Publisher); // the dashboard's own publishes say who asked
        topic.Version = _versions.Next();
        _feed.Post(new TopicChanged(topicName));

        if (ingested.ClaimedTopics is { Count: > 0 } claimed && ingested.DeviceId is { } claimant)
        {
            Claim(claimant, claimed, e.Time);
        }

        if (ingested.ReleasedTopics is { Count: > 0 } released)
        {
            Release(released, e.Time);
        }

        var hasReadings = ingested.Payload is { Values.Count: > 0 };
        // A convention may report presence with readings (an OwnTracks location: the app is online); replayed at start,
        // such a retained reading is old news about presence, unlike a retained status.
        if (ingested.Presence is { } report && !(hasReadings && e.Restored))
        {
            topic.DeviceId = _devices.OnStatusReport(report, topicName, publisher, e.Client, e.Time, e.Restored).Id;
        }

        if (!hasReadings || ingested.Payload is not { } parsed || ingested.DeviceId is not { } deviceId)
        {
            return;
        }

        var seriesTopic = ingested.ReadingsTopic!;
        var owner = _devices.OnReadings(deviceId, publisher, e.Time, e.Restored);
        topic.DeviceId = owner.Id;
        var time = parsed.Time ?? e.Time;
        var values = parsed.Values;
        for (var i = 0; i < values.Count; i++) // not foreach: an interface's enumerator is an allocation per publish
        {
            var value = values[i];
            if (SeriesFor(topic, seriesTopic, value.Metric) is not { } series)
            {
                continue;
            }

            if (series.Owner is { } previous && previous != owner)
            {
                series.BelongTo(owner);
                DropIfOrphaned(previous);
            }
            else
            {
                series.BelongTo(owner);
            }
            series.Add(value.Value, value.Unit, time, StateOf(parsed, value));
            _feed.Post(new ReadingChanged(owner.Id, seriesTopic, value.Metric, value.Value, series.Unit, time));
        }

        owner.Version = _versions.Next();
    }

    /// <summary>The series (<paramref name="seriesTopic"/>, <paramref name="metric"/>), listed under every topic that carries it.</summary>
    /// <summary>
    /// A discovery config names the device of topics read before it under another (their generic device): their status
    /// moves to it, their misnamed series go, and the device they were under goes if nothing else is left of it.
    /// </summary>
    private void Claim(string deviceId, IReadOnlyList<string> claimed, DateTimeOffset time)
    {
        foreach (var topicName in claimed)
        {
            if (!_topics.TryGetValue(topicName, out var topic) || topic.DeviceId is not { } previousId || previousId == deviceId
                || _devices.Find(previousId) is not { } previous)
            {
                continue;
            }

            var owner = _devices.TakeStatusTopic(previous, deviceId, topicName, time);
            DropSeries(topic, previous); // read by the generic rules, its metrics have the wrong names: the entity's come with the next state
            topic.DeviceId = deviceId;
            topic.Version = _versions.Next();
            owner.Version = _versions.Next();
            DropIfOrphaned(previous);
        }
    }

    /// <summary>
    /// Topics a convention no longer gives to their device (a discovery config emptied, a Zigbee2MQTT availability cleared
    /// on a rename): the series read from them and the status they gave go from it (their history stays stored), and the
    /// device goes too if nothing else is left of it, as Home Assistant drops a device with its last entity. Whatever
    /// publishes there next is read afresh (a Tasmota's own topics, by its convention).
    /// </summary>
    private void Release(IReadOnlyList<string> released, DateTimeOffset time)
    {
        foreach (var topicName in released)
        {
            if (!_topics.TryGetValue(topicName, out var topic) || topic.DeviceId is not { } deviceId || _devices.Find(deviceId) is not { } device)
            {
                continue;
            }

            DropSeries(topic, device);
            topic.DeviceId = null;
            topic.Version = _versions.Next();
            if (device.StatusTopic == topicName)
            {
                _devices.ReleaseStatusTopic(device, time);
            }

            device.Version = _versions.Next();
            DropIfOrphaned(device);
        }
    }

    /// <summary>The series read from <paramref name="topic"/> leave live state and <paramref name="device"/> (history keeps them).</summary>
    private void DropSeries(TopicEntry topic, DeviceEntry device)
    {
        foreach (var series in topic.Series)
        {
            _series.Remove((series.Topic, series.Metric));
            device.Series.Remove(series);
        }

        topic.Series.Clear();
    }

    private SeriesEntry? SeriesFor(TopicEntry topic, string seriesTopic, string metric)
    {
        var key = (seriesTopic, metric);
        if (_series.TryGetValue(key, out var series))
        {
            if (seriesTopic != topic.Topic && !topic.Series.Contains(series))
            {
                topic.Series.Add(series); // a Sparkplug birth's metric, first seen on the DATA topic (or the other way round)
            }

            return series;
        }

        if (_series.Count >= _options.MaxSeries)
        {
            Dropped(ref _seriesDropped, "series", "Live:MaxSeries", _options.MaxSeries);
            return null;
        }

        series = new SeriesEntry(seriesTopic, metric, _options.SparklinePoints);
        _series.Add(key, series);
        topic.Series.Add(series);
        return series;
    }

    private void Dropped(ref long counter, string what, string setting, int cap)
    {
        var total = Interlocked.Increment(ref counter);
        if (_capLog.ShouldLog())
        {
            _logger.LogWarning("Live state holds its maximum of {Cap} {What} ({Setting}); {Total} messages on new {What} were not tracked so far",
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
}
