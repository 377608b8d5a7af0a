using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dashboard.Simulator;

internal enum PayloadFormat
{
    Number,
    Json,
    Text,
}

internal readonly record struct Reading(double Temperature, double Humidity);

internal readonly record struct Publication(string Topic, string Payload);

/// <summary>The seeds' payload shapes (see /work/shared/seeds): what a real sensor script would publish.</summary>
internal static class Payloads
{
    public static string StatusTopic(string device) => $"home/{device}/status";

    public static IReadOnlyList<Publication> Create(PayloadFormat format, string device, Reading reading, DateTimeOffset time) => format switch
    {
        // Seed 001's basic publisher: plain numbers with one decimal.
        PayloadFormat.Number =>
        [
            new($"home/{device}/temperature", reading.Temperature.ToString("F1", CultureInfo.InvariantCulture)),
            new($"home/{device}/humidity", reading.Humidity.ToString("F1", CultureInfo.InvariantCulture)),
        ],
        // Seed 001's "Real-World Example" payload: one JSON object per reading, timestamp like Python's
        // time.time(). Under home/<device>/ like its status topic, so readings and presence are one device.
        PayloadFormat.Json =>
        [
            new($"home/{device}/telemetry", JsonSerializer.Serialize(
                new JsonReading(device, Math.Round(reading.Temperature, 2), Math.Round(reading.Humidity, 2), time.ToUnixTimeMilliseconds() / 1000.0),
                PayloadJsonContext.Default.JsonReading)),
        ],
        // Seed 000: text with integer degrees.
        PayloadFormat.Text =>
        [
            new($"home/{device}/temperature", string.Create(CultureInfo.InvariantCulture, $"Temperature: {Math.Round(reading.Temperature):0}°C")),
        ],
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };
}

internal sealed record JsonReading(string SensorId, double Temperature, double Humidity, double Timestamp);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(JsonReading))]
internal sealed partial class PayloadJsonContext : JsonSerializerContext;
