using MQTTnet;
using MQTTnet.Packets;

namespace Dashboard.Broker.External;

/// <summary>
/// Who in the dashboard asked for a publish (<see cref="IBrokerPublisher"/>'s <c>publisher</c>), carried through the external
/// broker as an MQTT 5 user property: the message comes back through the shared subscription (to this instance or another),
/// and ingestion must still know it is the dashboard's own (an alert notification is never read as a reading).
/// </summary>
internal static class PublisherTag
{
    public const string Name = "dashboard-publisher";

    public static void Add(MqttApplicationMessage message, string publisher)
    {
        message.UserProperties ??= [];
        message.UserProperties.RemoveAll(p => p.Name == Name);
        message.UserProperties.Add(new MqttUserProperty(Name, System.Text.Encoding.UTF8.GetBytes(publisher).AsMemory()));
    }

    public static string? Read(MqttApplicationMessage message) =>
        message.UserProperties?.FirstOrDefault(p => p.Name == Name)?.ReadValueAsString();
}
