using System.Collections.Frozen;

namespace Dashboard.Devices.Conventions;

/// <summary>
/// The abbreviated key names a discovery config may use (Home Assistant's MQTT integration page, "Supported
/// abbreviations"): those this convention reads, and the command topics it recognises.
/// </summary>
internal static class HomeAssistantAbbreviations
{
    private static readonly FrozenDictionary<string, string> Entity = new Dictionary<string, string>
    {
        ["avty"] = "availability",
        ["avty_t"] = "availability_topic",
        ["avty_tpl"] = "availability_template",
        ["cmps"] = "components",
        ["dev"] = "device",
        ["dev_cla"] = "device_class",
        ["cmd_tpl"] = "command_template",
        ["e"] = "encoding",
        ["json_attr_t"] = "json_attributes_topic",
        ["o"] = "origin",
        ["obj_id"] = "object_id",
        ["ops"] = "options",
        ["p"] = "platform",
        ["pl_avail"] = "payload_available",
        ["pl_not_avail"] = "payload_not_available",
        ["pl_off"] = "payload_off",
        ["pl_on"] = "payload_on",
        ["pl_prs"] = "payload_press",
        ["stat_clsd"] = "state_closed",
        ["stat_locked"] = "state_locked",
        ["stat_off"] = "state_off",
        ["stat_on"] = "state_on",
        ["stat_open"] = "state_open",
        ["stat_t"] = "state_topic",
        ["stat_unlocked"] = "state_unlocked",
        ["stat_val_tpl"] = "state_value_template",
        ["t"] = "topic",
        ["uniq_id"] = "unique_id",
        ["unit_of_meas"] = "unit_of_measurement",
        ["val_tpl"] = "value_template",
        // Command topics: every key ending in _cmd_t is one too (see Expand), these are the documented ones.
        ["cmd_t"] = "command_topic",
        ["bri_cmd_t"] = "brightness_command_topic",
        ["clr_temp_cmd_t"] = "color_temp_command_topic",
        ["fan_mode_cmd_t"] = "fan_mode_command_topic",
        ["mode_cmd_t"] = "mode_command_topic",
        ["pct_cmd_t"] = "percentage_command_topic",
        ["pr_mode_cmd_t"] = "preset_mode_command_topic",
        ["rgb_cmd_t"] = "rgb_command_topic",
        ["temp_cmd_t"] = "temperature_command_topic",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, string> Device = new Dictionary<string, string>
    {
        ["cns"] = "connections",
        ["cu"] = "configuration_url",
        ["hw"] = "hw_version",
        ["ids"] = "identifiers",
        ["mdl"] = "model",
        ["mf"] = "manufacturer",
        ["sa"] = "suggested_area",
        ["sw"] = "sw_version",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The full name of an entity key (<c>stat_t</c> → <c>state_topic</c>); full names come back as they are.</summary>
    public static string Expand(string key) =>
        Entity.TryGetValue(key, out var full) ? full
        : key.EndsWith("_cmd_t", StringComparison.Ordinal) ? string.Concat(key.AsSpan(0, key.Length - 6), "_command_topic")
        : key;

    /// <summary>The full name of a key of the <c>device</c> block (<c>ids</c> → <c>identifiers</c>).</summary>
    public static string ExpandDevice(string key) => Device.TryGetValue(key, out var full) ? full : key;
}
