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
