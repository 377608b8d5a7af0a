using System.Text.Json;

namespace Dashboard.Devices.Conventions;

/// <summary>
/// Reads one discovery config payload into its entities: one for <c>&lt;prefix&gt;/&lt;component&gt;/…/config</c>, one per
/// entry of <c>components</c> for a device config (<c>&lt;prefix&gt;/device/…/config</c>, whose top-level keys, the
/// <c>device</c> and the topics, are shared by its components). Keys may be abbreviated; <c>~</c> at the start or end of a
/// topic is the config's base topic. Null when the payload is not a JSON object.
/// </summary>
internal static class HomeAssistantConfig
{
    private static readonly JsonReaderOptions ReaderOptions = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    public static HomeAssistantEntity[]? Parse(string component, string objectId, string fallbackDeviceId, ReadOnlySpan<byte> payload)
    {
        if (ParseJson(payload) is not { ValueKind: JsonValueKind.Object } root)
        {
            return null;
        }

        var config = new Scope(root, null);
        if (component != "device")
        {
            return [Entity(component, objectId, fallbackDeviceId, config)];
        }

        if (config.Get("components") is not { ValueKind: JsonValueKind.Object } components)
        {
            return [];
        }

        var entities = new List<HomeAssistantEntity>();
        foreach (var entry in components.EnumerateObject())
        {
            if (entry.Value.ValueKind == JsonValueKind.Object && new Scope(entry.Value, config) is var scope && scope.String("platform") is { } platform)
            {
                entities.Add(Entity(platform, entry.Name, fallbackDeviceId, scope));
            }
        }

        return [.. entities];
    }

    /// <summary>The JSON value of a payload (a BOM and surrounding whitespace allowed), or null when it is not JSON.</summary>
    public static JsonElement? ParseJson(ReadOnlySpan<byte> payload)
    {
        if (payload.StartsWith("\uFEFF"u8))
        {
            payload = payload[3..];
        }

        payload = payload.Trim(" \t\r\n\0"u8);
        if (payload.IsEmpty || payload[0] is not ((byte)'{' or (byte)'['))
        {
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(payload, ReaderOptions);
            return JsonElement.TryParseValue(ref reader, out var element) ? element : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static HomeAssistantEntity Entity(string component, string objectId, string fallbackDeviceId, Scope config)
    {
        var deviceClass = config.String("device_class");
        var name = config.String("name")?.Trim();
        var metric = !string.IsNullOrEmpty(name) ? name : !string.IsNullOrEmpty(deviceClass) ? deviceClass : objectId;
        var unit = config.String("unit_of_measurement") is { Length: > 0 } u ? u : null;
        var (value, on, off) = component switch
        {
            "sensor" or "number" => (EntityValue.Number, null, null),
            "binary_sensor" or "switch" or "light" or "fan" or "siren" or "humidifier" =>
                (EntityValue.OnOff, config.Text("state_on") ?? config.Text("payload_on") ?? "ON", config.Text("state_off") ?? config.Text("payload_off") ?? "OFF"),
            "lock" => (EntityValue.OnOff, config.Text("state_locked") ?? "LOCKED", config.Text("state_unlocked") ?? "UNLOCKED"),
            "cover" or "valve" => (EntityValue.OnOff, config.Text("state_open") ?? "open", config.Text("state_closed") ?? "closed"),
            _ => (EntityValue.None, (string?)null, (string?)null),
        };

        var template = config.String("value_template") ?? config.String("state_value_template");
        var parsed = template is null && component == "light" && config.String("schema") == "json"
            ? HomeAssistantTemplate.Parse("{{ value_json.state }}") // the JSON light's state is its "state" field
            : HomeAssistantTemplate.Parse(template);
        return new(component, metric, unit, deviceClass, Device(config), fallbackDeviceId, config.Topic("state_topic"), parsed, value, on, off,
            [.. config.CommandTopics()], Availability(config))
        {
            Control = Controls.HomeAssistantControls.Of(component, metric, config, parsed),
        };
    }

    private static HomeAssistantDevice? Device(Scope config)
    {
        if (config.Get("device") is not { ValueKind: JsonValueKind.Object } block)
        {
            return null;
        }

        var device = new Scope(block, null, HomeAssistantAbbreviations.ExpandDevice);
        var identifiers = new List<string>();
        switch (device.Get("identifiers"))
        {
            case { ValueKind: JsonValueKind.Array } list:
                identifiers.AddRange(list.EnumerateArray().Select(Scope.TextOf).OfType<string>());
                break;
            case { } single when Scope.TextOf(single) is { } text:
                identifiers.Add(text);
                break;
        }

        // connections: [["mac", "02:5b:26:a8:dc:12"]]
        if (device.Get("connections") is { ValueKind: JsonValueKind.Array } connections)
        {
            identifiers.AddRange(connections.EnumerateArray()
                .Where(c => c.ValueKind == JsonValueKind.Array && c.GetArrayLength() == 2)
                .Select(c => Scope.TextOf(c[1])).OfType<string>());
        }

        return new(device.String("name")?.Trim() is { Length: > 0 } name ? name : null, [.. identifiers.Where(i => i.Length > 0)],
            device.String("manufacturer"), device.String("model"));
    }

    private static HomeAssistantAvailability[] Availability(Scope config)
    {
        if (config.Get("availability") is { ValueKind: JsonValueKind.Array } list)
        {
            return [.. list.EnumerateArray()
                .Where(entry => entry.ValueKind == JsonValueKind.Object)
                .Select(entry => new Scope(entry, null, HomeAssistantAbbreviations.Expand, config.Base))
                .Where(entry => entry.Topic("topic") is not null)
                .Select(entry => new HomeAssistantAvailability(entry.Topic("topic")!, entry.Text("payload_available") ?? "online",
                    entry.Text("payload_not_available") ?? "offline", HomeAssistantTemplate.Parse(entry.String("value_template"))))];
        }

        return config.Topic("availability_topic") is { } topic
            ? [new(topic, config.Text("payload_available") ?? "online", config.Text("payload_not_available") ?? "offline",
                HomeAssistantTemplate.Parse(config.String("availability_template")))]
            : [];
    }

    /// <summary>One JSON object of a config with its keys expanded; a device config's component falls back to the shared keys.</summary>
    internal sealed class Scope
    {
        private readonly Dictionary<string, JsonElement> _values = new(StringComparer.Ordinal);
        private readonly Scope? _shared;

        public Scope(JsonElement json, Scope? shared, Func<string, string>? expand = null, string? inheritedBase = null)
        {
            expand ??= HomeAssistantAbbreviations.Expand;
            foreach (var property in json.EnumerateObject())
            {
                _values[expand(property.Name)] = property.Value;
            }

            _shared = shared;
            Base = String("~") ?? inheritedBase ?? shared?.Base;
        }

        public string? Base { get; }

        public JsonElement? Get(string key) => _values.TryGetValue(key, out var value) ? value : _shared?.Get(key);

        public string? String(string key) => Get(key) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

        /// <summary>A string, number or boolean as text: <c>payload_on</c> may be <c>true</c> or <c>1</c>.</summary>
        public string? Text(string key) => Get(key) is { } value ? TextOf(value) : null;

        /// <summary>A topic, with the base topic <c>~</c> put in at its start or end; null when absent or empty.</summary>
        public string? Topic(string key)
        {
            var topic = String(key);
            if (string.IsNullOrEmpty(topic))
            {
                return null;
            }

            if (Base is { } baseTopic)
            {
                topic = topic[0] == '~' ? baseTopic + topic[1..] : topic[^1] == '~' ? topic[..^1] + baseTopic : topic;
            }

            return topic.Length > 0 ? topic : null;
        }

        public IEnumerable<string> CommandTopics()
        {
            var keys = _values.Keys.Concat(_shared?._values.Keys ?? Enumerable.Empty<string>()).Where(key => key.EndsWith("command_topic", StringComparison.Ordinal)).Distinct();
            return keys.Select(Topic).OfType<string>().Distinct();
        }

        public static string? TextOf(JsonElement value) => value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
            _ => null,
        };
    }
}
