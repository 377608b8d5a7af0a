using System.Text.Json;
using Dashboard.Readings;

namespace Dashboard.Devices.Conventions;

/// <summary>
/// OwnTracks in MQTT mode (owntracks.org booklet, "JSON"): the app publishes to <c>owntracks/&lt;user&gt;/&lt;device&gt;</c> a
/// <c>_type</c> <c>location</c> (the readings, timed by <c>tst</c>) and leaves there its Last Will, <c>_type</c>
/// <c>lwt</c>. Everything else of the device (other types, and <c>…/event</c>, <c>…/cmd</c>, <c>…/info</c>,
/// <c>…/waypoint(s)</c>, <c>…/status</c> …) is not telemetry.
/// </summary>
public sealed class OwnTracksConvention : IDeviceConvention
{
    private const string Prefix = "owntracks/";
    private const int MaxPayloadBytes = 64 * 1024;

    // The location's documented quantities, with their units; tst is the time, the rest (tid, conn, t, inregions …) text.
    private static readonly Dictionary<string, string> Units = new(StringComparer.Ordinal)
    {
        ["lat"] = "°",
        ["lon"] = "°",
        ["acc"] = "m",
        ["alt"] = "m",
        ["vac"] = "m",
        ["vel"] = "km/h",
        ["cog"] = "°",
        ["batt"] = "%",
        ["rad"] = "m",
        ["p"] = "kPa",
        ["dist"] = "m",
        ["trip"] = "m",
        ["odometer"] = "km",
        ["ubatt"] = "V",
        ["uext"] = "V",
    };

    private static readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> UnitsByName = Units.GetAlternateLookup<ReadOnlySpan<char>>();

    public ConventionReading? Read(string topic, ReadOnlySpan<byte> payload, DateTimeOffset arrived)
    {
        if (!topic.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var user = topic.IndexOf('/', Prefix.Length);
        if (user <= Prefix.Length || user == topic.Length - 1)
        {
            return null; // owntracks/<user> or owntracks//phone names no device
        }

        var end = topic.IndexOf('/', user + 1);
        if (end == user + 1)
        {
            return null;
        }

        if (end > 0)
        {
            return ConventionReading.NotTelemetry(topic[..end]); // owntracks/jane/phone/event, /cmd, /info …
        }

        return ReadBaseTopic(topic, payload, arrived);
    }

    private static ConventionReading ReadBaseTopic(string deviceId, ReadOnlySpan<byte> payload, DateTimeOffset arrived)
    {
        if (payload.Length > MaxPayloadBytes)
        {
            return ConventionReading.NotTelemetry(deviceId);
        }

        try
        {
            var reader = new Utf8JsonReader(payload, new JsonReaderOptions { AllowTrailingCommas = true });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return ConventionReading.NotTelemetry(deviceId);
            }

            var type = Type.Other;
            long? tst = null;
            List<ParsedValue> values = [];
            Span<char> name = stackalloc char[16];
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var length = reader.HasValueSequence || reader.ValueSpan.Length > name.Length ? -1 : reader.CopyString(name);
                var field = length < 0 ? Span<char>.Empty : name[..length];
                reader.Read();
                if (field.SequenceEqual("_type") && reader.TokenType == JsonTokenType.String)
                {
                    type = reader.ValueTextEquals("location"u8) ? Type.Location : reader.ValueTextEquals("lwt"u8) ? Type.Lwt : Type.Other;
                }
                else if (field.SequenceEqual("tst") && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var seconds))
                {
                    tst = seconds;
                }
                else if (reader.TokenType == JsonTokenType.Number && UnitsByName.TryGetValue(field, out var metric, out var unit)
                    && reader.TryGetDouble(out var number) && double.IsFinite(number))
                {
                    values.Add(new ParsedValue(metric, number, unit));
                }

                reader.Skip();
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return ConventionReading.NotTelemetry(deviceId);
            }

            return type switch
            {
                Type.Lwt => ConventionReading.PresenceOf(deviceId, false),
                // A location is the app speaking, so it is online again after its will.
                Type.Location => ConventionReading.Readings(deviceId, values, TimeOf(tst, arrived)) with { Presence = new PresenceReport(deviceId, true) },
                _ => ConventionReading.NotTelemetry(deviceId), // transition, waypoint(s), card, cmd, status, steps, encrypted …
            };
        }
        catch (JsonException)
        {
            return ConventionReading.NotTelemetry(deviceId); // Utf8JsonReader reports malformed JSON only by throwing
        }
    }

    // tst is UNIX time (UTC) of the fix; a phone with a wrong clock gets its arrival time instead.
    private static DateTimeOffset? TimeOf(long? tst, DateTimeOffset arrived)
    {
        if (tst is not { } seconds || seconds < 946_684_800 || seconds > arrived.AddDays(1).ToUnixTimeSeconds())
        {
            return null;
        }

        return DateTimeOffset.FromUnixTimeSeconds(seconds);
    }

    private enum Type
    {
        Other,
        Location,
        Lwt,
    }
}
