using System.Text;
using System.Text.Json;
using Dashboard.Readings;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dashboard.Devices.Conventions;

/// <summary>
/// Home Assistant MQTT discovery (README, "Devices: firmware conventions"): a retained config on
/// <c>homeassistant/&lt;component&gt;/[&lt;node_id&gt;/]&lt;object_id&gt;/config</c> declares an entity — its state topic, name,
/// unit, device, availability and command topics. The config itself is not telemetry; a publish on a declared state
/// topic is a reading of the entity's device, on an availability topic its presence, on a command topic an order. An
/// empty config removes the entity. Topics no config declares are left to the other conventions.
/// </summary>
/// <remarks>
/// The device id is the <c>device</c> block's name (or, when this config gives none, the name another config gave the
/// same identifier, else the first identifier); without a device block, the topic's node_id, else its object_id.
/// The convention only knows the configs it has seen: a state published before its config is read by the generic rules.
/// At start-up the broker replays retained configs before every other retained message
/// (<c>BrokerOptions.ReplayFirstTopicPrefixes</c>, filled by ingestion), so that happens only without a restart.
/// </remarks>
public sealed partial class HomeAssistantDiscovery : IDeviceConvention
{
    /// <summary>Larger configs and state payloads are not looked at (a config is a few hundred bytes).</summary>
    private const int MaxPayloadBytes = 256 * 1024;

    private readonly string _prefix;
    private readonly int _maxEntities;
    private readonly ILogger _logger;
    private readonly Dictionary<string, HomeAssistantEntity[]> _configs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<HomeAssistantEntity>> _stateTopics = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<HomeAssistantEntity>> _commandTopics = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<(HomeAssistantEntity Entity, HomeAssistantAvailability Availability)>> _availabilityTopics = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _deviceNames = new(StringComparer.Ordinal);

    public HomeAssistantDiscovery(IOptions<DevicesOptions> options, ILogger<HomeAssistantDiscovery> logger)
    {
        _prefix = options.Value.DiscoveryPrefix.TrimEnd('/') + "/";
        _maxEntities = Math.Max(0, options.Value.MaxDiscoveryEntities);
        _logger = logger;
    }

    /// <summary>Entities known now.</summary>
    public int Entities { get; private set; }

    /// <summary>Configs ignored because they would have taken <see cref="Entities"/> past <c>Devices:MaxDiscoveryEntities</c>.</summary>
    public long ConfigsDropped { get; private set; }

    public ConventionReading? Read(string topic, ReadOnlySpan<byte> payload, DateTimeOffset arrived)
    {
        if (topic.StartsWith(_prefix, StringComparison.Ordinal) && topic.EndsWith("/config", StringComparison.Ordinal))
        {
            return OnConfig(topic, payload);
        }

        if (_configs.Count == 0)
        {
            return null;
        }

        if (_availabilityTopics.TryGetValue(topic, out var availability) && Presence(availability, payload) is { } presence)
        {
            return presence;
        }

        if (_stateTopics.TryGetValue(topic, out var entities))
        {
            return States(topic, entities, payload, arrived);
        }

        return _commandTopics.TryGetValue(topic, out var commanded) ? ConventionReading.NotTelemetry(DeviceId(commanded[0])) : null;
    }

    private ConventionReading OnConfig(string topic, ReadOnlySpan<byte> payload)
    {
        // <component>/[<node_id>/]<object_id>/config: the node_id, else the object_id, names a device without a device block.
        var levels = topic[_prefix.Length..^"/config".Length].Split('/');
        var valid = levels.Length is 2 or 3 && levels.All(level => level.Length > 0 && level.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'));
        var fallbackId = valid ? levels[1] : topic;
        if (payload.IsEmpty)
        {
            var removedId = _configs.TryGetValue(topic, out var removing) && removing is [var first, ..] ? DeviceId(first) : fallbackId;
            return ConventionReading.NotTelemetry(removedId) with { Controls = new(topic, []), ReleasedTopics = Released(Remove(topic)) };
        }

        if (!valid || payload.Length > MaxPayloadBytes || HomeAssistantConfig.Parse(levels[0], levels[^1], fallbackId, payload) is not { } entities)
        {
            return ConventionReading.NotTelemetry(fallbackId); // a config that Home Assistant would refuse changes nothing
        }

        var replaced = _configs.TryGetValue(topic, out var old) ? old.Length : 0;
        if (Entities - replaced + entities.Length > _maxEntities)
        {
            if (ConfigsDropped++ == 0)
            {
                _logger.LogWarning("Home Assistant discovery knows its maximum of {Max} entities (Devices:MaxDiscoveryEntities); further configs, first {Topic}, are ignored",
                    _maxEntities, topic);
            }

            return ConventionReading.NotTelemetry(fallbackId);
        }

        var before = Remove(topic);
        Add(topic, entities);
        if (entities is not [var declared, ..])
        {
            return ConventionReading.NotTelemetry(fallbackId) with { Controls = new(topic, []), ReleasedTopics = Released(before) };
        }

        var deviceId = DeviceId(declared);
        return ConventionReading.NotTelemetry(deviceId) with
        {
            ReleasedTopics = Released(before),
            Controls = new(topic, [.. entities.Where(e => e.Control is not null).Select(e => (DeviceId(e), e.Control!))]),
            ClaimedTopics = [.. entities.Where(e => DeviceId(e) == deviceId)
                .SelectMany(e => e.Availability.Select(a => a.Topic).Append(e.StateTopic))
                .OfType<string>().Distinct(StringComparer.Ordinal)],
        };
    }

    /// <summary>The state and availability topics of <paramref name="removed"/> that no config declares any more; null when none.</summary>
    private List<string>? Released(HomeAssistantEntity[] removed)
    {
        List<string>? released = null;
        foreach (var entity in removed)
        {
            foreach (var declared in entity.Availability.Select(a => a.Topic).Append(entity.StateTopic))
            {
                if (declared is not null && !_stateTopics.ContainsKey(declared) && !_availabilityTopics.ContainsKey(declared)
                    && released?.Contains(declared) != true)
                {
                    (released ??= []).Add(declared);
                }
            }
        }

        return released;
    }

    private string DeviceId(HomeAssistantEntity entity)
    {
        if (entity.Device is not { } device)
        {
            return entity.FallbackDeviceId;
        }

        if (device.Name is { } name)
        {
            return name;
        }

        foreach (var identifier in device.Identifiers)
        {
            if (_deviceNames.TryGetValue(identifier, out var named))
            {
                return named;
            }
        }

        return device.Identifiers is [var first, ..] ? first : entity.FallbackDeviceId;
    }

    /// <summary>
    /// Presence of the one device whose configs declare this availability topic. A topic several devices share (a bridge's
    /// state) is left to the other rules: one publish can only speak for one device here.
    /// </summary>
    private ConventionReading? Presence(List<(HomeAssistantEntity Entity, HomeAssistantAvailability Availability)> declared, ReadOnlySpan<byte> payload)
    {
        var deviceId = DeviceId(declared[0].Entity);
        foreach (var (entity, _) in declared)
        {
            if (DeviceId(entity) != deviceId)
            {
                return null;
            }
        }

        var availability = declared[0].Availability;
        var text = availability.Template.Kind == TemplateKind.JsonPath
            ? HomeAssistantConfig.ParseJson(payload) is { } json ? availability.Template.Text(json) : null
            : PayloadText(payload);
        return text is null ? ConventionReading.NotTelemetry(deviceId)
            : text.Equals(availability.Available, StringComparison.OrdinalIgnoreCase) ? ConventionReading.PresenceOf(deviceId, true)
            : text.Equals(availability.NotAvailable, StringComparison.OrdinalIgnoreCase) ? ConventionReading.PresenceOf(deviceId, false)
            : ConventionReading.NotTelemetry(deviceId);
    }

    /// <summary>
    /// The readings of every entity on this state topic (several may share one JSON payload, each taking its field). A
    /// topic whose entities belong to several devices gives only the readings of the first device id in ordinal order.
    /// </summary>
    private ConventionReading States(string topic, List<HomeAssistantEntity> entities, ReadOnlySpan<byte> payload, DateTimeOffset arrived)
    {
        var deviceId = DeviceId(entities[0]);
        foreach (var entity in entities)
        {
            if (string.CompareOrdinal(DeviceId(entity), deviceId) < 0)
            {
                deviceId = DeviceId(entity);
            }
        }

        if (payload.Length > MaxPayloadBytes)
        {
            return ConventionReading.NotTelemetry(deviceId);
        }

        var values = new List<ParsedValue>();
        string? state = null;
        JsonElement? json = null;
        var jsonRead = false;
        string? text = null;
        HomeAssistantEntity? generic = null;
        var genericCount = 0;
        foreach (var entity in entities)
        {
            if (entity.Value == EntityValue.None || DeviceId(entity) != deviceId)
            {
                continue;
            }

            if (entity.Template.ReadsJson && !jsonRead)
            {
                json = HomeAssistantConfig.ParseJson(payload);
                jsonRead = true;
            }

            if (entity.Value == EntityValue.OnOff)
            {
                var word = entity.Template.Kind == TemplateKind.JsonPath ? json is { } root ? entity.Template.Text(root) : null : text ??= PayloadText(payload);
                if (word is not null && (word.Equals(entity.On, StringComparison.OrdinalIgnoreCase) || word.Equals(entity.Off, StringComparison.OrdinalIgnoreCase)))
                {
                    values.Add(new(entity.Metric, word.Equals(entity.On, StringComparison.OrdinalIgnoreCase) ? 1 : 0, entity.Unit));
                    state = word;
                }
            }
            else if (entity.Template.ReadsJson)
            {
                if (json is { } root && entity.Template.Number(root) is { } number)
                {
                    values.Add(new(entity.Metric, number, entity.Unit));
                }
            }
            else if (entity.Template.Kind != TemplateKind.Complex && HomeAssistantTemplate.TryParseNumber(text ??= PayloadText(payload), out var plain)
                && entity.Template.Filtered(plain) is { } filtered)
            {
                values.Add(new(entity.Metric, filtered, entity.Unit));
            }
            else
            {
                generic = entity;
                genericCount++;
            }
        }

        // A payload the forms above cannot read (a unit after the number, a template we do not run) is read as the generic
        // rules read it: several values keep the names the generic parser gives them, and so does one that a template
        // would have changed (a number the entity's name and unit would misstate); one untouched value is the entity's.
        if (generic is not null)
        {
            var parsed = PayloadParser.Parse(topic, payload, arrived).Values;
            if (parsed.Count == 1 && genericCount == 1 && generic.Template.Kind is TemplateKind.None or TemplateKind.Value)
            {
                values.Add(new(generic.Metric, parsed[0].Value, generic.Unit ?? parsed[0].Unit));
            }
            else
            {
                values.AddRange(parsed.Where(p => !values.Exists(v => v.Metric == p.Metric)));
            }
        }

        return ConventionReading.Readings(deviceId, values, state: values.Count == 1 ? state : null);
    }

    private static string? PayloadText(ReadOnlySpan<byte> payload) =>
        payload.Length > MaxPayloadBytes ? null : Encoding.UTF8.GetString(payload.Trim(" \t\r\n\0"u8));
}
