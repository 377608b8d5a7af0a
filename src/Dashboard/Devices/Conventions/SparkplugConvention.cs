using Dashboard.Readings;
using Microsoft.Extensions.Options;

namespace Dashboard.Devices.Conventions;

/// <summary>
/// Eclipse Sparkplug B 3.0 (specification chapters "Topics", "Payloads", "Operational Behavior"): an edge node publishes
/// protobuf payloads on <c>spBv1.0/&lt;group_id&gt;/&lt;message_type&gt;/&lt;edge_node_id&gt;[/&lt;device_id&gt;]</c>.
/// The edge node is the device <c>&lt;group&gt;/&lt;node&gt;</c>, each of its devices <c>&lt;group&gt;/&lt;node&gt;/&lt;device&gt;</c>;
/// NBIRTH/DBIRTH bring them online with their metrics, NDATA/DDATA update the metrics, NDEATH (the node's Last Will)
/// and DDEATH take them offline. NCMD/DCMD are commands and STATE is a host application's own presence: not telemetry.
/// </summary>
/// <remarks>
/// Births name each metric and give it an alias (and may give its unit as an <c>engUnit</c> property); later DATA may
/// carry only the alias. So the convention remembers, per edge node session, each device's metrics, within caps.
/// </remarks>
public sealed class SparkplugConvention(ILogger<SparkplugConvention> logger, IOptions<DevicesOptions>? options = null) : IDeviceConvention
{
    private const string Namespace = "spBv1.0/";
    private const int MaxPayloadBytes = 4 * 1024 * 1024;
    private const int MaxDevices = 10_000; // edge nodes and devices whose births are remembered
    private const int MaxMetricsPerDevice = 4_096;

    // Sparkplug datatypes (sparkplug_b.proto, enum DataType) whose value needs more than its protobuf type says.
    private const uint Int8 = 1, Int16 = 2, Int32 = 3, Int64 = 4, DateTime = 13;

    private readonly Dictionary<string, EdgeNode> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _rebirthAsked = new(StringComparer.Ordinal);
    private readonly TimeSpan? _rebirthInterval = (options?.Value ?? new DevicesOptions()) is { SparkplugRebirth: true } o ? o.SparkplugRebirthInterval : (TimeSpan?)null;
    private int _devices;

    /// <summary>Birth metrics (or whole births) not remembered because a cap was reached: their DATA by alias is not understood.</summary>
    public long MetricsDropped { get; private set; }

    public ConventionReading? Read(string topic, ReadOnlySpan<byte> payload, DateTimeOffset arrived)
    {
        if (!topic.StartsWith(Namespace, StringComparison.Ordinal))
        {
            return null;
        }

        if (!SparkplugTopic.TryParse(topic.AsSpan(Namespace.Length), out var parsed))
        {
            return ConventionReading.NotTelemetry(topic); // not a shape of the specification (or the host's STATE)
        }

        var deviceId = parsed.DeviceId;
        if (parsed.Type is SparkplugMessage.Command || payload.IsEmpty || payload.Length > MaxPayloadBytes
            || SparkplugPayload.Read(payload) is not { } message)
        {
            return ConventionReading.NotTelemetry(deviceId);
        }

        var time = TimeOf(message.Timestamp, arrived);
        switch (parsed.Type)
        {
            case SparkplugMessage.Birth when parsed.Device is null:
                return Online(deviceId, Readings(NewSession(parsed.NodeId, message), message, out _), time) with { SeriesTopic = parsed.DataTopic };
            case SparkplugMessage.Birth:
                return Online(deviceId, Readings(Remember(parsed, message), message, out _), time) with { SeriesTopic = parsed.DataTopic };
            case SparkplugMessage.Data:
                var known = Known(parsed);
                var values = Readings(known, message, out var unnamed);
                // The births came before the dashboard did (or were lost): ask for them, as a Host Application does.
                return ConventionReading.Readings(deviceId, values, time) with
                {
                    SeriesTopic = topic,
                    Request = known is null || unnamed ? Rebirth(parsed, arrived) : null,
                };
            case SparkplugMessage.Death when parsed.Device is null:
                // A will of an earlier session may arrive after the next birth: only the current session's bdSeq counts.
                var stale = _nodes.TryGetValue(parsed.NodeId, out var current) && current.BdSeq is { } born
                    && BdSeq(message) is { } died && died != born;
                // An edge node's death is its devices' too (Sparkplug 3.0, "the Edge Node and all of its Devices" are offline).
                return stale ? ConventionReading.NotTelemetry(deviceId) : ConventionReading.GatewayPresence(deviceId, false, deviceId + "/", DeviceStatus.Offline);
            default:
                return ConventionReading.PresenceOf(deviceId, false); // DDEATH
        }
    }

    /// <summary>An NCMD <c>Node Control/Rebirth</c> for the node, at most once per <c>Devices:SparkplugRebirthInterval</c>; null when off.</summary>
    private ConventionRequest? Rebirth(SparkplugTopic topic, DateTimeOffset now)
    {
        if (_rebirthInterval is not { } interval || _devices >= MaxDevices // past the cap a new birth would not be remembered either
            || (_rebirthAsked.TryGetValue(topic.NodeId, out var asked) && now - asked < interval))
        {
            return null;
        }

        if (_rebirthAsked.Count >= MaxDevices)
        {
            _rebirthAsked.Clear(); // bounded; a node may then be asked again a little sooner
        }

        _rebirthAsked[topic.NodeId] = now;
        return new ConventionRequest(topic.NodeCommandTopic, SparkplugPayload.Rebirth((ulong)now.ToUnixTimeMilliseconds()),
            $"Sparkplug data from {topic.NodeId} without its birth");
    }

    private static ConventionReading Online(string deviceId, List<ParsedValue> values, DateTimeOffset? time) =>
        ConventionReading.Readings(deviceId, values, time) with { Presence = new PresenceReport(deviceId, true) };

    /// <summary>An NBIRTH starts a new session: the node's and its devices' aliases start again.</summary>
    private DeviceMetrics? NewSession(string nodeId, SparkplugPayload message)
    {
        if (_nodes.Remove(nodeId, out var old))
        {
            _devices -= 1 + old.Devices.Count;
        }

        if (_devices >= MaxDevices)
        {
            return Dropped(message.Metrics.Count);
        }

        var node = new EdgeNode { BdSeq = BdSeq(message) };
        _nodes.Add(nodeId, node);
        _devices++;
        return Remember(node.Metrics, message);
    }

    /// <summary>A DBIRTH: the device's metrics, in its node's session.</summary>
    private DeviceMetrics? Remember(SparkplugTopic topic, SparkplugPayload message)
    {
        if (!_nodes.TryGetValue(topic.NodeId, out var node))
        {
            return null; // without its node's NBIRTH (or past the cap) there is no session to hold its aliases
        }

        if (node.Devices.Remove(topic.Device!))
        {
            _devices--;
        }

        if (_devices >= MaxDevices)
        {
            return Dropped(message.Metrics.Count);
        }

        var metrics = new DeviceMetrics();
        node.Devices.Add(topic.Device!, metrics);
        _devices++;
        return Remember(metrics, message);
    }

    private DeviceMetrics Remember(DeviceMetrics metrics, SparkplugPayload message)
    {
        foreach (var metric in message.Metrics)
        {
            if (metric.Name is not { } name)
            {
                continue;
            }

            if (metrics.ByName.Count >= MaxMetricsPerDevice)
            {
                Dropped(1);
                continue;
            }

            var known = new KnownMetric(name, metric.DataType, Unit(metric.EngUnit));
            metrics.ByName[name] = known;
            if (metric.Alias is { } alias)
            {
                metrics.ByAlias[alias] = known;
            }
        }

        return metrics;
    }

    private DeviceMetrics? Known(SparkplugTopic topic)
    {
        if (!_nodes.TryGetValue(topic.NodeId, out var node))
        {
            return null;
        }

        return topic.Device is null ? node.Metrics : node.Devices.GetValueOrDefault(topic.Device);
    }

    private DeviceMetrics? Dropped(int metrics)
    {
        if (metrics > 0 && MetricsDropped == 0)
        {
            logger.LogWarning("Sparkplug: the metrics of {Max} edge nodes and devices, {PerDevice} each, are remembered; further births are not",
                MaxDevices, MaxMetricsPerDevice);
        }

        MetricsDropped += metrics;
        return null;
    }

    /// <summary>
    /// The metrics that are readings: numbers and booleans (1/0), named by their birth when they come by alias, with the
    /// birth's datatype and unit. Strings, DateTimes, bytes, DataSets, Templates, nulls, historical values (store and
    /// forward: not the current value) and the session's own bookkeeping (<c>bdSeq</c>, <c>Node Control/…</c>) are not.
    /// </summary>
    private static List<ParsedValue> Readings(DeviceMetrics? known, SparkplugPayload message, out bool unnamed)
    {
        unnamed = false;
        List<ParsedValue> values = [];
        foreach (var metric in message.Metrics)
        {
            if (metric.IsNull || metric.IsHistorical || metric.Kind is SparkplugValueKind.None or SparkplugValueKind.Text or SparkplugValueKind.Other)
            {
                continue;
            }

            var birth = known is null ? null
                : metric.Name is { } name ? known.ByName.GetValueOrDefault(name)
                : metric.Alias is { } alias ? known.ByAlias.GetValueOrDefault(alias) : null;
            if ((metric.Name ?? birth?.Name) is not { } metricName)
            {
                unnamed = true; // an alias without its birth
                continue;
            }

            if (IsBookkeeping(metricName) || Number(metric, metric.DataType ?? birth?.DataType) is not { } number)
            {
                continue;
            }

            values.Add(new ParsedValue(metricName, number, Unit(metric.EngUnit) ?? birth?.Unit));
        }

        return values;
    }

    private static bool IsBookkeeping(string name) => name == "bdSeq" || name.StartsWith("Node Control/", StringComparison.Ordinal);

    /// <summary>Signed integers travel as their two's complement in the unsigned protobuf field (Payloads, "Datatype Details").</summary>
    private static double? Number(SparkplugMetric metric, uint? dataType) => metric.Kind switch
    {
        SparkplugValueKind.Real => double.IsFinite(metric.Real) ? metric.Real : null,
        SparkplugValueKind.Boolean => metric.Bits,
        SparkplugValueKind.UInt32 => dataType switch
        {
            Int8 => (sbyte)metric.Bits,
            Int16 => (short)metric.Bits,
            Int32 => (int)metric.Bits,
            _ => (uint)metric.Bits,
        },
        SparkplugValueKind.UInt64 => dataType switch
        {
            Int64 => (long)metric.Bits,
            DateTime => null, // a time, not a quantity
            _ => metric.Bits,
        },
        _ => null,
    };

    private static ulong? BdSeq(SparkplugPayload message)
    {
        foreach (var metric in message.Metrics)
        {
            if (metric.Name == "bdSeq" && metric.Kind is SparkplugValueKind.UInt32 or SparkplugValueKind.UInt64)
            {
                return metric.Bits;
            }
        }

        return null;
    }

    private static string? Unit(string? engUnit) => engUnit is null ? null : PayloadParser.UnitSymbol(engUnit);

    // The payload's time is UTC by the specification; an edge node with a wrong clock gets the arrival time instead.
    private static DateTimeOffset? TimeOf(ulong? milliseconds, DateTimeOffset arrived) =>
        milliseconds is { } ms && ms >= 946_684_800_000 && ms <= (ulong)arrived.AddDays(1).ToUnixTimeMilliseconds()
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)ms)
            : null;

    private sealed record KnownMetric(string Name, uint? DataType, string? Unit);

    private sealed class DeviceMetrics
    {
        public Dictionary<ulong, KnownMetric> ByAlias { get; } = [];
        public Dictionary<string, KnownMetric> ByName { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>An edge node's current session: the bdSeq of its NBIRTH, its own metrics and its devices'.</summary>
    private sealed class EdgeNode
    {
        public ulong? BdSeq { get; set; }
        public DeviceMetrics Metrics { get; } = new();
        public Dictionary<string, DeviceMetrics> Devices { get; } = new(StringComparer.Ordinal);
    }
}
