using Google.Protobuf;

namespace Dashboard.Tests.Devices.Conventions;

/// <summary>Sparkplug datatypes (sparkplug_b.proto, enum DataType) the tests use.</summary>
public enum SparkplugType : uint
{
    Int8 = 1,
    Int16 = 2,
    Int32 = 3,
    Int64 = 4,
    UInt8 = 5,
    UInt16 = 6,
    UInt32 = 7,
    UInt64 = 8,
    Float = 9,
    Double = 10,
    Boolean = 11,
    String = 12,
    DateTime = 13,
    Text = 14,
    Bytes = 17,
}

/// <summary>
/// Sparkplug B payloads encoded field by field with protobuf's <see cref="CodedOutputStream"/>, by the field numbers of
/// sparkplug_b.proto (Payload: timestamp 1, metrics 2, seq 3; Metric: name 1, alias 2, timestamp 3, datatype 4,
/// is_historical 5, is_null 7, properties 9, int_value 10 … string_value 15, bytes_value 16; PropertySet: keys 1, values 2;
/// PropertyValue: type 1, string_value 8).
/// </summary>
public static class SparkplugPayloads
{
    /// <summary>The specification's example time, 2017-02-03T17:55:02.122Z.</summary>
    public const ulong ExampleTime = 1486144502122;

    /// <summary>One metric as the specification writes it in JSON; <paramref name="Type"/> decides the value field it travels in.</summary>
    public sealed record Metric(string? Name, ulong? Alias, SparkplugType? Type, object? Value, string? EngUnit = null)
    {
        public bool IsHistorical { get; init; }
        public bool IsNull { get; init; }

        /// <summary>Writes an Int8/16/32 the way some libraries do: as a sign-extended 64-bit varint.</summary>
        public bool SignExtended { get; init; }
    }

    public static byte[] Payload(ulong? timestamp, ulong? seq, params Metric[] metrics) => Message(output =>
    {
        if (timestamp is { } time)
        {
            output.WriteTag(1, WireFormat.WireType.Varint);
            output.WriteUInt64(time);
        }

        foreach (var metric in metrics)
        {
            output.WriteTag(2, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(Encode(metric, timestamp)));
        }

        if (seq is { } sequence)
        {
            output.WriteTag(3, WireFormat.WireType.Varint);
            output.WriteUInt64(sequence);
        }
    });

    private static byte[] Encode(Metric metric, ulong? timestamp) => Message(output =>
    {
        if (metric.Name is { } name)
        {
            output.WriteTag(1, WireFormat.WireType.LengthDelimited);
            output.WriteString(name);
        }

        if (metric.Alias is { } alias)
        {
            output.WriteTag(2, WireFormat.WireType.Varint);
            output.WriteUInt64(alias);
        }

        if (timestamp is { } time)
        {
            output.WriteTag(3, WireFormat.WireType.Varint);
            output.WriteUInt64(time);
        }

        if (metric.Type is { } type && metric.Name is not null)
        {
            output.WriteTag(4, WireFormat.WireType.Varint); // births carry the datatype, DATA by alias need not
            output.WriteUInt32((uint)type);
        }

        if (metric.IsHistorical)
        {
            output.WriteTag(5, WireFormat.WireType.Varint);
            output.WriteBool(true);
        }

        if (metric.IsNull)
        {
            output.WriteTag(7, WireFormat.WireType.Varint);
            output.WriteBool(true);
        }

        if (metric.EngUnit is { } unit)
        {
            output.WriteTag(9, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(Properties(("engLow", null), ("engUnit", unit), ("engHigh", null))));
        }

        WriteValue(output, metric);
    });

    private static void WriteValue(CodedOutputStream output, Metric metric)
    {
        switch (metric.Type, metric.Value)
        {
            case (_, null):
                break;
            case (SparkplugType.Int8 or SparkplugType.Int16 or SparkplugType.Int32, var value) when metric.SignExtended:
                output.WriteTag(10, WireFormat.WireType.Varint);
                output.WriteUInt64((ulong)Convert.ToInt64(value));
                break;
            case (SparkplugType.Int8 or SparkplugType.Int16 or SparkplugType.Int32, var value):
                output.WriteTag(10, WireFormat.WireType.Varint);
                output.WriteUInt32(unchecked((uint)Convert.ToInt32(value))); // two's complement in the uint32 field
                break;
            case (SparkplugType.UInt8 or SparkplugType.UInt16 or SparkplugType.UInt32, var value):
                output.WriteTag(10, WireFormat.WireType.Varint);
                output.WriteUInt32(Convert.ToUInt32(value));
                break;
            case (SparkplugType.Int64, var value):
                output.WriteTag(11, WireFormat.WireType.Varint);
                output.WriteUInt64(unchecked((ulong)Convert.ToInt64(value)));
                break;
            case (SparkplugType.UInt64 or SparkplugType.DateTime, var value):
                output.WriteTag(11, WireFormat.WireType.Varint);
                output.WriteUInt64(Convert.ToUInt64(value));
                break;
            case (SparkplugType.Float, var value):
                output.WriteTag(12, WireFormat.WireType.Fixed32);
                output.WriteFloat(Convert.ToSingle(value));
                break;
            case (SparkplugType.Double, var value):
                output.WriteTag(13, WireFormat.WireType.Fixed64);
                output.WriteDouble(Convert.ToDouble(value));
                break;
            case (SparkplugType.Boolean, bool value):
                output.WriteTag(14, WireFormat.WireType.Varint);
                output.WriteBool(value);
                break;
            case (SparkplugType.String or SparkplugType.Text, string value):
                output.WriteTag(15, WireFormat.WireType.LengthDelimited);
                output.WriteString(value);
                break;
            case (SparkplugType.Bytes, byte[] value):
                output.WriteTag(16, WireFormat.WireType.LengthDelimited);
                output.WriteBytes(ByteString.CopyFrom(value));
                break;
            default:
                throw new ArgumentException($"No encoding for {metric.Type} {metric.Value}");
        }
    }

    /// <summary>A PropertySet: the keys, then the values (String, or a Float when null is given).</summary>
    private static byte[] Properties(params (string Key, string? Value)[] properties) => Message(output =>
    {
        foreach (var (key, _) in properties)
        {
            output.WriteTag(1, WireFormat.WireType.LengthDelimited);
            output.WriteString(key);
        }

        foreach (var (_, value) in properties)
        {
            output.WriteTag(2, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(Message(property =>
            {
                property.WriteTag(1, WireFormat.WireType.Varint);
                property.WriteUInt32((uint)(value is null ? SparkplugType.Float : SparkplugType.String));
                if (value is null)
                {
                    property.WriteTag(5, WireFormat.WireType.Fixed32);
                    property.WriteFloat(0);
                }
                else
                {
                    property.WriteTag(8, WireFormat.WireType.LengthDelimited);
                    property.WriteString(value);
                }
            })));
        }
    });

    private static byte[] Message(Action<CodedOutputStream> write)
    {
        using var stream = new MemoryStream();
        using (var output = new CodedOutputStream(stream, leaveOpen: true))
        {
            write(output);
        }

        return stream.ToArray();
    }
}
