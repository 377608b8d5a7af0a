using System.Buffers;
using System.Text;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace Dashboard.Broker.Persistence;

/// <summary>The columns an MQTT application message needs to be stored and published again unchanged.</summary>
public abstract class StoredMessage
{
    public string Topic { get; set; } = "";
    public byte[] Payload { get; set; } = [];
    public byte Qos { get; set; }
    public string? ContentType { get; set; }
    public string? ResponseTopic { get; set; }
    public byte[]? CorrelationData { get; set; }
    public byte PayloadFormat { get; set; }
    public string? UserPropertiesJson { get; set; }

    /// <summary>When MQTT 5's message expiry interval runs out; null for never.</summary>
    public DateTime? ExpiresAt { get; set; }

    public void CopyFrom(MqttApplicationMessage message, DateTime now)
    {
        Topic = message.Topic;
        Payload = BuffersExtensions.ToArray(message.Payload);
        Qos = (byte)message.QualityOfServiceLevel;
        ContentType = message.ContentType;
        ResponseTopic = message.ResponseTopic;
        CorrelationData = message.CorrelationData;
        PayloadFormat = (byte)message.PayloadFormatIndicator;
        UserPropertiesJson = message.UserProperties is { Count: > 0 } properties
            ? JsonSerializer.Serialize(properties.Select(p => new[] { p.Name, p.ReadValueAsString() }))
            : null;
        ExpiresAt = message.MessageExpiryInterval > 0 ? now.AddSeconds(message.MessageExpiryInterval) : null;
    }

    public MqttApplicationMessage ToApplicationMessage(bool retain, DateTime now)
    {
        var message = new MqttApplicationMessage
        {
            Topic = Topic,
            PayloadSegment = Payload,
            QualityOfServiceLevel = (MqttQualityOfServiceLevel)Qos,
            Retain = retain,
            ContentType = ContentType,
            ResponseTopic = ResponseTopic,
            CorrelationData = CorrelationData,
            PayloadFormatIndicator = (MqttPayloadFormatIndicator)PayloadFormat,
            MessageExpiryInterval = ExpiresAt is { } expires ? (uint)Math.Max(1, (expires - now).TotalSeconds) : 0,
        };
        if (UserPropertiesJson is not null && JsonSerializer.Deserialize<string[][]>(UserPropertiesJson) is { } pairs)
        {
            message.UserProperties = [.. pairs.Where(p => p.Length == 2).Select(p => new MqttUserProperty(p[0], Encoding.UTF8.GetBytes(p[1]).AsMemory()))];
        }

        return message;
    }

    public bool IsExpired(DateTime now) => ExpiresAt is { } expires && expires <= now;
}
