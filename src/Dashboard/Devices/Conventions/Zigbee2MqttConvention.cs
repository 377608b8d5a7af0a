using System.Text;
using System.Text.Json;
using Dashboard.Readings;
using Microsoft.Extensions.Options;

namespace Dashboard.Devices.Conventions;

/// <summary>
/// Zigbee2MQTT (zigbee2mqtt.io, "MQTT Topics and Messages"), under each configured base topic
/// (<see cref="DevicesOptions.Zigbee2MqttBaseTopics"/>): <c>&lt;base&gt;/bridge/state</c> is the bridge's presence,
/// <c>&lt;base&gt;/bridge/devices</c> teaches each device's units, the other <c>bridge/…</c> topics are not telemetry;
/// <c>&lt;base&gt;/&lt;friendly_name&gt;</c> is a device's JSON state, <c>…/availability</c> its presence, <c>…/set</c>,
/// <c>…/get</c> (and <c>…/set/&lt;attribute&gt;</c>) commands to it. A friendly name may contain <c>/</c>: only those
/// suffixes decide, so the device of a topic never depends on what arrived before it.
/// </summary>
public sealed class Zigbee2MqttConvention(IOptions<DevicesOptions> options) : IDeviceConvention
{
    /// <summary>A larger <c>bridge/devices</c> is not read (a few hundred devices with their exposes take about 1 MB).</summary>
    public const int MaxDevicesPayloadBytes = 16 * 1024 * 1024;

    private readonly Base[] _bases = [.. (options.Value.Zigbee2MqttBaseTopics ?? [])
        .Select(b => b?.Trim().Trim('/'))
        .Where(b => !string.IsNullOrEmpty(b))
        .Distinct(StringComparer.Ordinal)
        .Select(b => new Base(b!))];

    public ConventionReading? Read(string topic, ReadOnlySpan<byte> payload, DateTimeOffset arrived)
    {
        var bridge = BaseOf(topic);
        if (bridge is null)
        {
            return null;
        }

        var rest = topic.AsSpan(bridge.Prefix.Length);
        if (rest.IsEmpty)
        {
            return null;
        }

        if (rest.SequenceEqual("bridge") || rest.StartsWith("bridge/", StringComparison.Ordinal))
        {
            return ReadBridge(bridge, rest, payload);
        }

        var slash = rest.LastIndexOf('/');
        if (slash > 0)
        {
            var last = rest[(slash + 1)..];
            var before = rest[..slash];
            if (last.SequenceEqual("availability"))
            {
                var device = bridge.Prefix + before.ToString();
                if (payload.IsEmpty)
                {
                    // Zigbee2MQTT clears a device's retained availability when it is renamed or removed: that name is gone.
                    return ConventionReading.NotTelemetry(device) with { ReleasedTopics = [topic, device] };
                }

                return Availability(payload) is { } online ? ConventionReading.PresenceOf(device, online) : ConventionReading.NotTelemetry(device);
            }

            if (IsCommand(last))
            {
                return ConventionReading.NotTelemetry(bridge.Prefix + before.ToString());
            }

            var previous = before.LastIndexOf('/');
            if (previous > 0 && IsCommand(before[(previous + 1)..]))
            {
                return ConventionReading.NotTelemetry(bridge.Prefix + before[..previous].ToString()); // <name>/set/state = ON
            }
        }

        return ReadState(bridge, topic, rest.ToString(), payload, arrived);
    }

    private Base? BaseOf(string topic)
    {
        foreach (var candidate in _bases)
        {
            if (topic.StartsWith(candidate.Prefix, StringComparison.Ordinal))
            {
                return candidate;
            }
        }

        return null;
    }

    private static ConventionReading ReadBridge(Base bridge, ReadOnlySpan<char> rest, ReadOnlySpan<byte> payload)
    {
        if (rest.SequenceEqual("bridge/state") && Availability(payload) is { } online)
        {
            // Behind an offline bridge nothing can be known of its devices, whatever their own availability last said.
            return ConventionReading.GatewayPresence(bridge.DeviceId, online, bridge.Prefix, DeviceStatus.Unknown);
        }

        if (rest.SequenceEqual("bridge/devices"))
        {
            bridge.Units = payload.Length <= MaxDevicesPayloadBytes ? Zigbee2MqttUnits.FromBridgeDevices(payload) : [];
        }

        return ConventionReading.NotTelemetry(bridge.DeviceId); // info, logging, event, groups, request/response …
    }

    private static ConventionReading ReadState(Base bridge, string topic, string friendlyName, ReadOnlySpan<byte> payload, DateTimeOffset arrived)
    {
        var deviceId = bridge.Prefix + friendlyName;
        var parsed = PayloadParser.Parse(topic, payload, arrived);
        if (parsed.Values.Count == 0)
        {
            return ConventionReading.NotTelemetry(deviceId); // {"action":"single"}: an event, not a measurement
        }

        var units = bridge.Units.GetValueOrDefault(friendlyName);
        var values = new List<ParsedValue>(parsed.Values.Count);
        foreach (var value in parsed.Values)
        {
            if (Zigbee2MqttUnits.IsReading(value.Metric))
            {
                values.Add(value with { Unit = units?.GetValueOrDefault(value.Metric) ?? Zigbee2MqttUnits.Default(value.Metric) });
            }
        }

        // last_seen (when configured) may lack a zone, and the state is published as the device reports: arrival is its time.
        return ConventionReading.Readings(deviceId, values, time: null, parsed.State);
    }

    private static bool IsCommand(ReadOnlySpan<char> level) => level.SequenceEqual("set") || level.SequenceEqual("get");

    /// <summary>
    /// <c>online</c>/<c>offline</c> (legacy, the default before Zigbee2MQTT 2.0) or <c>{"state":"online"}</c>; null for
    /// anything else (an empty retained payload clears the topic).
    /// </summary>
    internal static bool? Availability(ReadOnlySpan<byte> payload)
    {
        var text = payload.Trim(" \t\r\n"u8);
        if (text.IsEmpty || text.Length > 1024)
        {
            return null;
        }

        if (text[0] == (byte)'{')
        {
            text = StateField(text);
        }

        return Ascii.EqualsIgnoreCase(text, "online"u8) ? true
            : Ascii.EqualsIgnoreCase(text, "offline"u8) ? false
            : null;
    }

    private static ReadOnlySpan<byte> StateField(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            ReadOnlySpan<byte> state = default;
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isState = reader.ValueTextEquals("state"u8);
                reader.Read();
                if (isState && reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped)
                {
                    state = reader.ValueSpan;
                }

                reader.Skip();
            }

            return reader.TokenType == JsonTokenType.EndObject && !reader.Read() ? state : default;
        }
        catch (JsonException)
        {
            return default; // Utf8JsonReader reports malformed JSON only by throwing
        }
    }

    /// <summary>One bridge: its base topic and what its last <c>bridge/devices</c> said (units by friendly name, then property).</summary>
    private sealed class Base(string baseTopic)
    {
        public string Prefix { get; } = baseTopic + "/";
        public string DeviceId { get; } = baseTopic + "/bridge";
        public Dictionary<string, Dictionary<string, string>> Units { get; set; } = [];
    }
}
