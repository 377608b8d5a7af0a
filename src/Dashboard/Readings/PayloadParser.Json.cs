using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Dashboard.Readings;

// JSON objects and arrays: one walk over the tokens, naming each value by its path.
public static partial class PayloadParser
{
    private const int MaxHintBytes = 128;
    private const int MaxStateBytes = 64;
    private const int StringScratchBytes = 512;
    private const int PathSlack = (MaxDepth + 2) * 12;

    private static readonly JsonReaderOptions JsonOptions = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
        MaxDepth = 64,
    };

    // One scratch array per thread for JSON values; the result gets an exact-size copy.
    [ThreadStatic]
    private static ParsedValue[]? _valueScratch;

    private static ParsedPayload ParseJson(string topic, ReadOnlySpan<byte> json, DateTimeOffset now)
    {
        var rootIsArray = json[0] == (byte)'[';
        if (json[^1] != (rootIsArray ? (byte)']' : (byte)'}'))
        {
            return UnparsedResult; // most truncated payloads, without the cost of an exception
        }

        var topicMetric = rootIsArray ? MetricName(topic) : null;
        var path = ArrayPool<char>.Shared.Rent(json.Length + topic.Length + PathSlack);
        var values = _valueScratch ??= new ParsedValue[MaxValues];
        var count = 0;
        var pathLength = 0;
        var valueSlot = -1;

        void Add(double value, Field field)
        {
            if (count >= MaxValues)
            {
                return;
            }

            string metric;
            if ((field == Field.Value && valueSlot < 0) || pathLength == 0)
            {
                metric = topicMetric ??= MetricName(topic);
                if (field == Field.Value && valueSlot < 0)
                {
                    valueSlot = count;
                }
            }
            else
            {
                metric = new string(path, 0, pathLength);
            }

            values[count++] = new ParsedValue(metric, value, null);
        }

        try
        {
            var reader = new Utf8JsonReader(json, JsonOptions);
            if (!reader.Read())
            {
                return UnparsedResult;
            }

            Span<int> baseLength = stackalloc int[MaxDepth];
            Span<int> nextIndex = stackalloc int[MaxDepth];
            Span<byte> stringScratch = stackalloc byte[StringScratchBytes];
            Span<char> timeScratch = stackalloc char[MaxTimeBytes];
            if (topicMetric is not null)
            {
                topicMetric.CopyTo(path);
                pathLength = topicMetric.Length;
            }

            baseLength[0] = pathLength;
            nextIndex[0] = 0;
            var depth = 1;
            DateTimeOffset? time = null;
            string? state = null;
            string? hint = null;
            string? unit = null;

            while (depth > 0)
            {
                if (!reader.Read())
                {
                    return UnparsedResult;
                }

                var token = reader.TokenType;
                if (token is JsonTokenType.EndObject or JsonTokenType.EndArray)
                {
                    depth--;
                    continue;
                }

                var level = depth - 1;
                var topLevel = depth == 1 && !rootIsArray;
                var field = Field.Plain;
                pathLength = baseLength[level];
                if (pathLength > 0)
                {
                    path[pathLength++] = '.';
                }

                if (token == JsonTokenType.PropertyName)
                {
                    var nameLength = reader.CopyString(path.AsSpan(pathLength));
                    field = Classify(path.AsSpan(pathLength, nameLength), topLevel);
                    pathLength += nameLength;
                    if (!reader.Read())
                    {
                        return UnparsedResult;
                    }

                    token = reader.TokenType;
                }
                else
                {
                    nextIndex[level].TryFormat(path.AsSpan(pathLength), out var written, default, CultureInfo.InvariantCulture);
                    nextIndex[level]++;
                    pathLength += written;
                }

                switch (token)
                {
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        if (depth >= MaxDepth || field is Field.Time or Field.Device)
                        {
                            reader.Skip();
                        }
                        else
                        {
                            baseLength[depth] = pathLength;
                            nextIndex[depth] = 0;
                            depth++;
                        }

                        break;

                    case JsonTokenType.Number:
                        if (field == Field.Time)
                        {
                            if (topLevel && time is null && reader.TryGetDouble(out var epoch))
                            {
                                time = FromEpoch(epoch, now);
                            }
                        }
                        else if (field == Field.Device)
                        {
                            if (topLevel && hint is null && reader.ValueSpan.Length <= MaxHintBytes)
                            {
                                hint = Encoding.UTF8.GetString(reader.ValueSpan);
                            }
                        }
                        else if (reader.TryGetDouble(out var number) && double.IsFinite(number))
                        {
                            Add(number, field);
                        }

                        break;

                    case JsonTokenType.True or JsonTokenType.False:
                        if (field is not (Field.Time or Field.Device))
                        {
                            Add(token == JsonTokenType.True ? 1 : 0, field);
                        }

                        break;

                    case JsonTokenType.String:
                        if (!TryGetString(in reader, stringScratch, out var text))
                        {
                            break;
                        }

                        text = text.Trim(Whitespace);
                        switch (field)
                        {
                            case Field.Time:
                                if (topLevel)
                                {
                                    time ??= ParseTime(text, timeScratch, now);
                                }

                                break;
                            case Field.Device:
                                if (topLevel && hint is null && IsShortPrintable(text, MaxHintBytes))
                                {
                                    hint = Encoding.UTF8.GetString(text);
                                }

                                break;
                            case Field.State:
                                if (state is null && IsShortPrintable(text, MaxStateBytes))
                                {
                                    state = Intern(text);
                                    if (TryMatchStateWord(text, out var on))
                                    {
                                        Add(on ? 1 : 0, field);
                                    }
                                }

                                break;
                            case Field.Unit:
                                if (unit is null && IsShortPrintable(text, MaxUnitLength * 4))
                                {
                                    unit = Unit(text);
                                }

                                break;
                            default:
                                if (TryParseNumber(text, out var numeric))
                                {
                                    Add(numeric, field);
                                }

                                break;
                        }

                        break;

                    default:
                        break; // null
                }
            }

            if (reader.Read())
            {
                return UnparsedResult;
            }

            if (valueSlot >= 0 && unit is not null && unit.Length <= MaxUnitLength)
            {
                values[valueSlot] = values[valueSlot] with { Unit = unit };
            }

            var kind = count > 0 ? PayloadKind.Json : state is not null ? PayloadKind.State : PayloadKind.Unparsed;
            if (kind == PayloadKind.Unparsed && time is null && hint is null)
            {
                return UnparsedResult;
            }

            return new ParsedPayload(kind, count == 0 ? [] : values.AsSpan(0, count).ToArray(), time, state, hint);
        }
        catch (Exception ex) when (IsMalformedJson(ex))
        {
            return UnparsedResult;
        }
        finally
        {
            values.AsSpan(0, count).Clear();
            ArrayPool<char>.Shared.Return(path);
        }
    }

    // Utf8JsonReader reports malformed JSON (and invalid escapes) only by throwing.
    private static bool IsMalformedJson(Exception ex) => ex is JsonException or InvalidOperationException;
}
