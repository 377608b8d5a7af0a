using Dashboard.Devices.Conventions;
using Dashboard.Readings;

namespace Dashboard.Devices.Mapping;

/// <summary>
/// The user's mapping rules (README, "Mapping rules"), asked before the firmware conventions: the configured ones
/// (<c>Devices:MappingRules</c>) first, then those edited in Settings, in their order; the first whose pattern matches a
/// topic decides its device. Ingestion's thread reads the rule set while an admin replaces it: it is an immutable array,
/// swapped whole, so a publish sees either the old rules or the new ones.
/// </summary>
public sealed class MappingRules : IDeviceConvention
{
    private readonly PresenceParser _presence;
    private readonly TopicPattern[] _configured;
    private TopicPattern[] _rules;
    private IReadOnlyList<TopicPattern> _stored = [];

    public MappingRules(DevicesOptions options, PresenceParser presence)
    {
        _presence = presence;
        _configured = [.. options.MappingRules.Select(TopicPattern.Parse)]; // validated at start (DevicesOptionsValidator)
        _rules = _configured;
    }

    /// <summary>The rules from configuration, read-only here.</summary>
    public IReadOnlyList<TopicPattern> Configured => _configured;

    /// <summary>The rules edited in Settings, after the configured ones.</summary>
    public IReadOnlyList<TopicPattern> Stored => Volatile.Read(ref _stored);

    /// <summary>Every rule in the order they are asked.</summary>
    public IReadOnlyList<TopicPattern> All => Volatile.Read(ref _rules);

    /// <summary>Replaces the Settings rules; publishes read from now on use them (earlier readings keep their device).</summary>
    public void SetStored(IReadOnlyList<TopicPattern> rules)
    {
        TopicPattern[] stored = [.. rules];
        Volatile.Write(ref _stored, stored);
        Volatile.Write(ref _rules, [.. _configured, .. stored]);
    }

    public ConventionReading? Read(string topic, ReadOnlySpan<byte> payload, DateTimeOffset arrived) =>
        Read(Volatile.Read(ref _rules), topic, payload, arrived, out _);

    /// <summary>What <paramref name="rules"/> make of a publish, and which rule (its index) did; for the Settings preview too.</summary>
    public ConventionReading? Read(IReadOnlyList<TopicPattern> rules, string topic, ReadOnlySpan<byte> payload, DateTimeOffset arrived, out int rule)
    {
        for (rule = 0; rule < rules.Count; rule++)
        {
            if (rules[rule].TryMatch(topic, out var device, out var metric))
            {
                return Read(device, metric, topic, payload, arrived);
            }
        }

        rule = -1;
        return null;
    }

    /// <summary>
    /// A matched publish: a status topic is the device's presence, a command topic no reading, anything else its
    /// readings, named by the <c>{metric}</c> level when the pattern has one (a JSON object's fields as
    /// <c>&lt;metric&gt;.&lt;field&gt;</c>), else as the payload names them.
    /// </summary>
    private ConventionReading Read(string device, string? metric, string topic, ReadOnlySpan<byte> payload, DateTimeOffset arrived)
    {
        if (_presence.TryParse(topic, payload, out var report))
        {
            return ConventionReading.PresenceOf(device, report.Online);
        }

        if (DeviceResolver.IsCommandTopic(topic))
        {
            return ConventionReading.NotTelemetry(device);
        }

        var parsed = PayloadParser.Parse(topic, payload, arrived);
        if (metric is null || parsed.Values.Count == 0)
        {
            return new ConventionReading(device, null, parsed);
        }

        var single = parsed.Values.Count == 1 && parsed.Kind != PayloadKind.Json;
        var values = new ParsedValue[parsed.Values.Count];
        for (var i = 0; i < values.Length; i++)
        {
            var value = parsed.Values[i];
            values[i] = value with { Metric = single || IsTopicNamed(value.Metric, topic) ? metric : $"{metric}.{value.Metric}" };
        }

        return new ConventionReading(device, null, parsed with { Values = values });
    }

    // {"value": 21.5, "unit": "°C"} is one value named after the topic's last level: that is the metric's own value.
    private static bool IsTopicNamed(string name, string topic) => topic.EndsWith(name, StringComparison.Ordinal)
        && (topic.Length == name.Length || topic[topic.Length - name.Length - 1] == '/');
}
