using System.Text;
using Dashboard.Broker.Events;
using Dashboard.Devices;
using Dashboard.Ingestion;
using MQTTnet.Protocol;

namespace Dashboard.Tests.Ingestion;

/// <summary>What ingestion reads from a broker event once for every sink, the device included.</summary>
public sealed class IngestedEventTests
{
    private readonly PresenceParser _presence = new(new DevicesOptions());
    private readonly DeviceResolver _devices = new(maxStatusDevices: 1000);

    private IngestedEvent Read(string topic, string payload, params string[] ownTopicPrefixes) =>
        IngestedEvent.From(
            new BrokerEvent(BrokerEventKind.MessagePublished, DateTimeOffset.UtcNow, "client", topic, Encoding.UTF8.GetBytes(payload),
                MqttQualityOfServiceLevel.AtMostOnce, false, null),
            _presence, _devices, ownTopicPrefixes);

    [Fact]
    public void A_presence_report_names_its_device_and_claims_its_own_device_only()
    {
        var status = Read("home/sensor1/status", "online");
        Assert.Equal((new PresenceReport("home/sensor1", true), "home/sensor1"), (status.Presence, status.DeviceId));
        Assert.Null(status.Payload);

        var reading = Read("home/sensor1/temperature", "23.5");
        Assert.Equal("home/sensor1", reading.DeviceId);
        Assert.Equal(23.5, Assert.Single(reading.Payload!.Values).Value);

        Read("home/status", "online"); // the tutorials' retained status of the whole house
        Assert.Equal("home/livingroom", Read("home/livingroom/temperature", "21").DeviceId);
    }

    [Theory]
    [InlineData(-25, true)]
    [InlineData(25, true)]
    [InlineData(-23, false)]
    [InlineData(23, false)]
    public void A_payload_time_further_than_the_window_from_the_arrival_gives_way_to_the_arrival(int hoursFromArrival, bool dropped)
    {
        var arrival = new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
        var stated = arrival.AddHours(hoursFromArrival);
        var ingested = IngestedEvent.From(
            new BrokerEvent(BrokerEventKind.MessagePublished, arrival, "client", "home/sensor1/telemetry",
                Encoding.UTF8.GetBytes($$"""{"t": 21.5, "ts": {{stated.ToUnixTimeSeconds()}}}"""), MqttQualityOfServiceLevel.AtMostOnce, false, null),
            _presence, _devices);
        Assert.Equal(stated, ingested.Payload!.Time);

        var atArrival = ingested.WithoutPayloadTimeBeyond(TimeSpan.FromDays(1));

        Assert.Equal(dropped, atArrival is not null);
        if (atArrival is { } changed)
        {
            Assert.Null(changed.Payload!.Time);
            Assert.Equal(ingested.Payload.Values, changed.Payload.Values);
        }
    }

    [Fact]
    public void A_retained_message_replayed_at_start_keeps_its_own_time_however_old()
    {
        var published = DateTimeOffset.UtcNow.AddDays(-3);
        var ingested = IngestedEvent.From(
            new BrokerEvent(BrokerEventKind.MessagePublished, DateTimeOffset.UtcNow, "", "home/sensor1/telemetry",
                Encoding.UTF8.GetBytes($$"""{"t": 21.5, "ts": {{published.ToUnixTimeSeconds()}}}"""), MqttQualityOfServiceLevel.AtMostOnce, true, null, Restored: true),
            _presence, _devices);

        Assert.Null(ingested.WithoutPayloadTimeBeyond(TimeSpan.FromDays(1)));
    }

    [Fact]
    public void A_command_is_not_a_reading_and_makes_no_device()
    {
        var command = Read("home/led/set", "ON");
        Assert.Null(command.DeviceId);
        Assert.Null(command.Payload);
        Assert.Null(command.Presence);
    }

    [Fact]
    public void Readings_without_a_status_device_belong_to_their_device_field_else_to_their_topic_minus_the_last_level()
    {
        Assert.Equal("greenhouse-2", Read("sensors/data", """{"sensor_id":"greenhouse-2","temperature":21.5}""").DeviceId);
        Assert.Equal("home/livingroom", Read("home/livingroom/temperature", "Temperature: 23°C").DeviceId);
    }

    [Fact]
    public void Payloads_without_readings_and_the_dashboards_own_publishes_have_no_device()
    {
        var text = Read("home/kitchen/note", "hello there");
        Assert.NotNull(text.Payload);
        Assert.Null(text.DeviceId);

        var own = Read("dashboard/alerts/too-hot", """{"value": 31}""", "dashboard/alerts/");
        Assert.Equal((null, null, null), (own.Presence, own.Payload, own.DeviceId));
    }
}
