using System.Buffers;
using Google.Protobuf;

namespace Dashboard.Devices.Conventions;

/// <summary>
/// The parts of a Sparkplug B payload (<c>org.eclipse.tahu.protobuf.Payload</c>, sparkplug_b.proto in the Sparkplug 3.0
/// specification, "Google Protocol Buffer Schema") the dashboard uses: the payload's timestamp and each metric's name,
/// alias, datatype, flags, scalar value and <c>engUnit</c> property. Read field by field with protobuf's
/// <see cref="CodedInputStream"/>: everything else (metadata, DataSets, Templates, extensions, unknown fields) is skipped
/// unread, so no generated classes and no protoc at build time.
/// </summary>
internal sealed class SparkplugPayload
{
    // Field tags ((number << 3) | wire type) of the messages read here.
    private const uint PayloadTimestamp = 1 << 3, PayloadMetric = 2 << 3 | 2;
    private const uint MetricName = 1 << 3 | 2, MetricAlias = 2 << 3, MetricDataType = 4 << 3, MetricHistorical = 5 << 3,
        MetricNull = 7 << 3, MetricProperties = 9 << 3 | 2, IntValue = 10 << 3, LongValue = 11 << 3, FloatValue = 12 << 3 | 5,
        DoubleValue = 13 << 3 | 1, BooleanValue = 14 << 3, StringValue = 15 << 3 | 2;
    private const int MaxUnitLength = 32;

    private const uint PropertyKey = 1 << 3 | 2, PropertyValue = 2 << 3 | 2, PropertyStringValue = 8 << 3 | 2;

    private SparkplugPayload(ulong? timestamp, List<SparkplugMetric> metrics) => (Timestamp, Metrics) = (timestamp, metrics);

    /// <summary>Milliseconds since the epoch, UTC (the time the message was published).</summary>
    public ulong? Timestamp { get; }

    public List<SparkplugMetric> Metrics { get; }

    /// <summary>
    /// An NCMD asking an edge node to publish its births again: one Boolean metric <c>Node Control/Rebirth</c> = true
    /// (Sparkplug 3.0, "Operational Behavior": what a Host Application sends when it cannot make sense of a node's data).
    /// </summary>
    public static byte[] Rebirth(ulong timestamp)
    {
        const uint Boolean = 11; // enum DataType
        var metric = new MemoryStream();
        using (var output = new CodedOutputStream(metric, leaveOpen: true))
        {
            output.WriteTag(MetricName);
            output.WriteString("Node Control/Rebirth");
            output.WriteTag(3 << 3); // Metric.timestamp
            output.WriteUInt64(timestamp);
            output.WriteTag(MetricDataType);
            output.WriteUInt32(Boolean);
            output.WriteTag(BooleanValue);
            output.WriteBool(true);
        }

        var payload = new MemoryStream();
        using (var output = new CodedOutputStream(payload, leaveOpen: true))
        {
            output.WriteTag(PayloadTimestamp);
            output.WriteUInt64(timestamp);
            output.WriteTag(PayloadMetric);
            output.WriteBytes(ByteString.CopyFrom(metric.ToArray()));
        }

        return payload.ToArray();
    }

    /// <summary>The payload, or null when it is not a well-formed protobuf message.</summary>
    public static SparkplugPayload? Read(ReadOnlySpan<byte> payload)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(payload.Length);
        try
        {
            payload.CopyTo(buffer);
            var input = new CodedInputStream(buffer, 0, payload.Length);
            ulong? timestamp = null;
            List<SparkplugMetric> metrics = [];
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                switch (tag)
                {
                    case PayloadTimestamp:
                        timestamp = input.ReadUInt64();
                        break;
                    case PayloadMetric:
                        metrics.Add(ReadMetric(input));
                        break;
                    default:
                        Skip(input, tag); // seq, uuid, body, extensions
                        break;
                }
            }

            return new SparkplugPayload(timestamp, metrics);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or FormatException)
        {
            return null; // CodedInputStream reports malformed input only by throwing
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static SparkplugMetric ReadMetric(CodedInputStream input)
    {
        var metric = new SparkplugMetric();
        var end = End(input);
        uint tag;
        while ((tag = NextTag(input, end)) != 0)
        {
            switch (tag)
            {
                case MetricName: metric.Name = input.ReadString(); break;
                case MetricAlias: metric.Alias = input.ReadUInt64(); break;
                case MetricDataType: metric.DataType = input.ReadUInt32(); break;
                case MetricHistorical: metric.IsHistorical = input.ReadBool(); break;
                case MetricNull: metric.IsNull = input.ReadBool(); break;
                case MetricProperties: metric.EngUnit = ReadEngUnit(input) ?? metric.EngUnit; break;
                // The value is a oneof: the last one on the wire wins. Varints as 64 bits: an Int32 may come sign-extended.
                case IntValue: metric.Set(SparkplugValueKind.UInt32, input.ReadUInt64()); break;
                case LongValue: metric.Set(SparkplugValueKind.UInt64, input.ReadUInt64()); break;
                case FloatValue: metric.Set(SparkplugValueKind.Real, input.ReadFloat()); break;
                case DoubleValue: metric.Set(SparkplugValueKind.Real, input.ReadDouble()); break;
                case BooleanValue: metric.Set(SparkplugValueKind.Boolean, input.ReadBool() ? 1UL : 0UL); break;
                case StringValue: metric.Kind = SparkplugValueKind.Text; Skip(input, tag); break;
                default:
                    if (tag >> 3 is >= 16 and <= 19)
                    {
                        metric.Kind = SparkplugValueKind.Other; // bytes, file, DataSet, Template, extension
                    }

                    Skip(input, tag);
                    break;
            }
        }

        Ended(input, end);
        return metric;
    }

    /// <summary>The string value of the <c>engUnit</c> key of a metric's PropertySet (keys and values are parallel arrays).</summary>
    private static string? ReadEngUnit(CodedInputStream input)
    {
        var end = End(input);
        int keys = 0, values = 0, unitAt = -1;
        List<string?>? strings = null; // the values' strings in order, kept only until the engUnit key is known
        uint tag;
        while ((tag = NextTag(input, end)) != 0)
        {
            switch (tag)
            {
                case PropertyKey:
                    if (input.ReadString() == "engUnit" && unitAt < 0)
                    {
                        unitAt = keys;
                    }

                    keys++;
                    break;
                case PropertyValue:
                    var text = ReadPropertyString(input);
                    if (unitAt < 0 || values <= unitAt)
                    {
                        (strings ??= []).Add(text);
                    }

                    values++;
                    break;
                default:
                    Skip(input, tag);
                    break;
            }
        }

        Ended(input, end);
        var unit = unitAt >= 0 && unitAt < strings?.Count ? strings[unitAt]?.Trim() : null;
        return unit is { Length: > 0 and <= MaxUnitLength } ? unit : null;
    }

    // CodedInputStream's own limits for nested messages are internal: a nested message is read up to its end position,
    // which it must end exactly on.
    private static long End(CodedInputStream input)
    {
        var length = input.ReadLength();
        return input.Position + length;
    }

    // SkipLastField passes over the wire types 6 and 7 that do not exist rather than reject them.
    private static void Skip(CodedInputStream input, uint tag)
    {
        if (WireFormat.GetTagWireType(tag) > WireFormat.WireType.Fixed32)
        {
            throw new FormatException($"Wire type {(int)WireFormat.GetTagWireType(tag)} does not exist.");
        }

        input.SkipLastField();
    }

    private static uint NextTag(CodedInputStream input, long end) => input.Position < end ? input.ReadTag() : 0;

    private static void Ended(CodedInputStream input, long end)
    {
        if (input.Position != end)
        {
            throw new FormatException("A nested Sparkplug message overruns its length.");
        }
    }

    private static string? ReadPropertyString(CodedInputStream input)
    {
        var end = End(input);
        string? text = null;
        uint tag;
        while ((tag = NextTag(input, end)) != 0)
        {
            if (tag == PropertyStringValue)
            {
                text = input.ReadString();
            }
            else
            {
                Skip(input, tag);
            }
        }

        Ended(input, end);
        return text;
    }
}

/// <summary>Which of a metric's value fields was set.</summary>
internal enum SparkplugValueKind
{
    None,
    UInt32,
    UInt64,
    Real,
    Boolean,
    Text,
    Other,
}

/// <summary>One metric of a Sparkplug payload; <see cref="Bits"/> holds an integer or boolean value, <see cref="Real"/> a float or double.</summary>
internal sealed class SparkplugMetric
{
    public string? Name { get; set; }
    public ulong? Alias { get; set; }
    public uint? DataType { get; set; }
    public bool IsHistorical { get; set; }
    public bool IsNull { get; set; }
    public string? EngUnit { get; set; }
    public SparkplugValueKind Kind { get; set; }
    public ulong Bits { get; private set; }
    public double Real { get; private set; }

    public void Set(SparkplugValueKind kind, ulong bits) => (Kind, Bits) = (kind, bits);

    public void Set(SparkplugValueKind kind, double real) => (Kind, Real) = (kind, real);
}
