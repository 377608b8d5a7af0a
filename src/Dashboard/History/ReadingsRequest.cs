using System.Globalization;

namespace Dashboard.History;

/// <summary>
/// The query string of <c>/api/readings</c> and <c>/api/readings.csv</c>, checked: either the values or, per
/// parameter, what is wrong with it (for a 400 problem details answer).
/// </summary>
public sealed record ReadingsRequest(string Topic, string? Metric, DateTimeOffset? From, DateTimeOffset? To, int MaxPoints)
{
    public const int DefaultMaxPoints = 1000;
    public const int MinPoints = 2;
    public const int MaxMaxPoints = 10_000;

    /// <summary>The range a chart shows when none is given: the last 24 hours.</summary>
    public static readonly TimeSpan DefaultRange = TimeSpan.FromHours(24);

    public static ReadingsRequest? Parse(string? topic, string? metric, string? from, string? to, string? maxPoints, out Dictionary<string, string[]> errors)
    {
        errors = [];
        if (string.IsNullOrEmpty(topic))
        {
            errors["topic"] = ["topic is required, e.g. ?topic=home/livingroom/temperature"];
        }

        var fromTime = ParseTime("from", from, errors);
        var toTime = ParseTime("to", to, errors);
        if (fromTime is { } f && toTime is { } t && f > t)
        {
            errors["from"] = ["from must not be later than to"];
        }

        var points = DefaultMaxPoints;
        if (!string.IsNullOrEmpty(maxPoints)
            && (!int.TryParse(maxPoints, NumberStyles.None, CultureInfo.InvariantCulture, out points) || points is < MinPoints or > MaxMaxPoints))
        {
            errors["maxPoints"] = [$"maxPoints must be a whole number from {MinPoints} to {MaxMaxPoints}"];
        }

        return errors.Count > 0 ? null : new ReadingsRequest(topic!, string.IsNullOrEmpty(metric) ? null : metric, fromTime, toTime, points);
    }

    /// <summary>The range of a chart: what was asked, else up to now and <see cref="DefaultRange"/> before its end.</summary>
    public (DateTimeOffset From, DateTimeOffset To) ChartRange(DateTimeOffset now)
    {
        var end = To ?? (From is { } f && f > now ? f : now);
        return (From ?? end - DefaultRange, end);
    }

    private static DateTimeOffset? ParseTime(string name, string? text, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        // ISO 8601; a time without an offset is UTC, like every time this API returns.
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time;
        }

        errors[name] = [$"{name} must be an ISO 8601 time, e.g. 2025-01-31T12:00:00Z"];
        return null;
    }
}
