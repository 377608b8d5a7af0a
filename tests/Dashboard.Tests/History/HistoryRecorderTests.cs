using System.Text;
using Dashboard.Broker.Events;
using Dashboard.Devices;
using Dashboard.History;
using Dashboard.Ingestion;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using Options = Microsoft.Extensions.Options.Options;

namespace Dashboard.Tests.History;

/// <summary>The ingestion sink: what it queues for the writer, what it skips, and that a full buffer drops instead of waiting.</summary>
public sealed class HistoryRecorderTests
{
    private readonly PresenceParser _presence = new(new DevicesOptions());
    private readonly DeviceResolver _devices = new(maxStatusDevices: 1000);
    private readonly HistoryStats _stats = new();

    private HistoryRecorder Recorder(HistoryOptions? options = null) =>
        new(Options.Create(options ?? new HistoryOptions()), _stats, NullLogger<HistoryRecorder>.Instance);

    private void Publish(HistoryRecorder recorder, string topic, string payload, bool restored = false)
    {
        var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(Encoding.UTF8.GetBytes(payload)).Build();
        recorder.Handle(IngestedEvent.From(BrokerEvent.Published(message, "client", DateTimeOffset.UtcNow, restored), _presence, _devices));
    }

    private static List<PendingReading> Drain(HistoryRecorder recorder)
    {
        var readings = new List<PendingReading>();
        while (recorder.Reader.TryRead(out var reading))
        {
            readings.Add(reading);
        }

        return readings;
    }

    [Fact]
    public void Each_metric_of_a_publish_is_queued_with_the_payloads_time_and_the_series_device()
    {
        var recorder = Recorder();

        Publish(recorder, "home/kitchen/telemetry", """{"temperature": 21.5, "humidity": 40, "ts": 1717243200000}""");

        var readings = Drain(recorder);
        Assert.Equal([("temperature", 21.5), ("humidity", 40.0)], readings.Select(r => (r.Series.Metric, r.Value)));
        Assert.All(readings, r => Assert.Equal((1717243200000L, "home/kitchen"), (r.Time, r.Series.DeviceId)));

        // The next reading of the series shares its handle (and so the id the writer found for it).
        Publish(recorder, "home/kitchen/telemetry", """{"temperature": 22}""");
        Assert.Same(readings[0].Series, Assert.Single(Drain(recorder)).Series);
    }

    [Fact]
    public void A_series_has_the_device_ingestion_resolved_for_its_first_reading()
    {
        var recorder = Recorder();

        Publish(recorder, "sensors/data", """{"sensor_id": "greenhouse-2", "temperature": 19}""");
        Publish(recorder, "sensors/status", "online"); // device "sensors" now has its sibling topics
        Publish(recorder, "sensors/humidity", "40");
        Publish(recorder, "sensors/data", """{"sensor_id": "greenhouse-2", "temperature": 20}""");
        Publish(recorder, "home/sensor1/temperature", "21");

        Assert.Equal(
            [("sensors/data", "greenhouse-2"), ("sensors/humidity", "sensors"), ("sensors/data", "greenhouse-2"), ("home/sensor1/temperature", "home/sensor1")],
            Drain(recorder).Select(r => (r.Series.Topic, r.Series.DeviceId)));
    }

    [Fact]
    public void Readings_timestamped_on_arrival_never_share_a_millisecond_but_a_repeated_own_time_is_kept()
    {
        var recorder = Recorder();

        for (var i = 0; i < 5; i++)
        {
            Publish(recorder, "home/a/counter", "1"); // five arrivals, most likely within a millisecond or two
        }

        Publish(recorder, "home/a/sample", """{"v": 1, "ts": 1717243200000}""");
        Publish(recorder, "home/a/sample", """{"v": 1, "ts": 1717243200000}""");

        var readings = Drain(recorder);
        var arrivals = readings.Where(r => r.Series.Topic == "home/a/counter").Select(r => r.Time).ToList();
        Assert.Equal(5, arrivals.Distinct().Count());
        Assert.Equal(arrivals.Order(), arrivals);
        Assert.Equal([1717243200000L, 1717243200000L], readings.Where(r => r.Series.Topic == "home/a/sample").Select(r => r.Time));
    }

    [Fact]
    public void Retained_readings_replayed_at_start_presence_and_text_are_not_readings()
    {
        var recorder = Recorder();

        Publish(recorder, "home/kitchen/temperature", "21", restored: true);
        Publish(recorder, "home/kitchen/status", "online");
        Publish(recorder, "home/kitchen/note", "hello there");

        Assert.Empty(Drain(recorder));
        Assert.Equal(0, _stats.Received);
    }

    [Fact]
    public void A_full_buffer_drops_new_readings_and_counts_them_without_waiting()
    {
        var recorder = Recorder(new HistoryOptions { BufferCapacity = 1000 });

        for (var i = 0; i < 1500; i++)
        {
            Publish(recorder, "home/a/counter", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.Equal((1000, 500), (_stats.Received, _stats.Dropped));
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (double)i), Drain(recorder).Select(r => r.Value));
    }

    [Fact]
    public void Series_beyond_the_maximum_are_dropped_and_counted()
    {
        var recorder = Recorder(new HistoryOptions { MaxSeries = 10 });

        for (var i = 0; i < 12; i++)
        {
            Publish(recorder, $"home/a/m{i}", "1");
        }

        Assert.Equal(10, Drain(recorder).Count);
        Assert.Equal(2, _stats.SeriesDropped);
    }
}
