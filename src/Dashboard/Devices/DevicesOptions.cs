using Microsoft.Extensions.Options;

namespace Dashboard.Devices;

/// <summary>Which publishes carry a device's presence; section <c>Devices</c>.</summary>
public sealed class DevicesOptions
{
    public const string Section = "Devices";

    /// <summary>Last topic levels that carry presence, in any case.</summary>
    public List<string> StatusWords { get; set; } = ["status", "availability", "lwt", "state"];

    /// <summary>Payloads (or JSON <c>status</c>/<c>state</c> values) meaning online, in any case.</summary>
    public List<string> OnlinePayloads { get; set; } = ["online", "connected", "true", "1"];

    /// <summary>Payloads (or JSON <c>status</c>/<c>state</c> values) meaning offline, in any case.</summary>
    public List<string> OfflinePayloads { get; set; } = ["offline", "disconnected", "false", "0"];

    /// <summary>Zigbee2MQTT base topics (its <c>mqtt.base_topic</c>), one per bridge.</summary>
    public List<string> Zigbee2MqttBaseTopics { get; set; } = ["zigbee2mqtt"];

    /// <summary>Home Assistant's <c>discovery_prefix</c>: discovery configs are read from <c>&lt;prefix&gt;/…/config</c>.</summary>
    public string DiscoveryPrefix { get; set; } = "homeassistant";

    /// <summary>Discovered entities remembered at most; a config that would add more is counted, logged and ignored.</summary>
    public int MaxDiscoveryEntities { get; set; } = 10_000;

    /// <summary>
    /// The user's own topic schemes (<see cref="Mapping.TopicPattern"/>: <c>plant/{device}/sensors/{metric}</c>), asked
    /// before the firmware conventions, in this order, and before the rules added in Settings.
    /// </summary>
    public List<string> MappingRules { get; set; } = [];

    /// <summary>
    /// Ask a Sparkplug edge node to publish its births again (NCMD <c>Node Control/Rebirth</c>) when its data comes with
    /// aliases, or from devices, the dashboard has no birth for, as a Sparkplug Host Application does.
    /// </summary>
    public bool SparkplugRebirth { get; set; } = true;

    /// <summary>At most one rebirth request per edge node in this interval.</summary>
    public TimeSpan SparkplugRebirthInterval { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>Stops the start with a message naming the mapping rule that cannot be read, and why.</summary>
public sealed class DevicesOptionsValidator : IValidateOptions<DevicesOptions>
{
    public ValidateOptionsResult Validate(string? name, DevicesOptions options)
    {
        var errors = new List<string>();
        for (var i = 0; i < options.MappingRules.Count; i++)
        {
            if (!Mapping.TopicPattern.TryParse(options.MappingRules[i], out _, out var error))
            {
                errors.Add($"{DevicesOptions.Section}:{nameof(options.MappingRules)}:{i} '{options.MappingRules[i]}': {error}");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
