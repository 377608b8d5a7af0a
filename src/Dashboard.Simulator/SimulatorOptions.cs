using System.Globalization;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Dashboard.Simulator;

internal sealed record SimulatorOptions(
    string Host,
    int Port,
    bool WebSocket,
    MqttQualityOfServiceLevel Qos,
    MqttProtocolVersion Protocol,
    string? Username,
    string? Password,
    TimeSpan? Duration,
    int Count,
    TimeSpan Interval,
    PayloadFormat? Format,
    string Prefix,
    TimeSpan? Chaos)
{
    public string Endpoint => WebSocket ? $"ws://{Host}:{Port}/mqtt" : $"mqtt://{Host}:{Port}";

    /// <summary>sensor-01 … sensor-99, or sensor-001 … sensor-200: zero-padded so names sort.</summary>
    public string DeviceName(int index)
    {
        var width = Math.Max(2, Count.ToString(CultureInfo.InvariantCulture).Length);
        return $"{Prefix}-{(index + 1).ToString(CultureInfo.InvariantCulture).PadLeft(width, '0')}";
    }

    public PayloadFormat FormatFor(int index) => Format ?? (PayloadFormat)(index % 3);
}
