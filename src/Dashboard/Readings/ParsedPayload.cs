namespace Dashboard.Readings;

/// <summary>
/// The outcome of <see cref="PayloadParser.Parse(string, ReadOnlySpan{byte}, DateTimeOffset)"/>. <paramref name="Values"/> are always
/// finite; <paramref name="Time"/> is UTC and only set when the payload names a plausible time; <paramref name="State"/>
/// is the state text as sent (trimmed); <paramref name="DeviceHint"/> is a JSON <c>sensor_id</c>/<c>device_id</c>/<c>device</c>.
/// </summary>
public sealed record ParsedPayload(
    PayloadKind Kind,
    IReadOnlyList<ParsedValue> Values,
    DateTimeOffset? Time,
    string? State,
    string? DeviceHint);
