namespace Dashboard.Devices.Controls;

public enum ControlKind
{
    /// <summary>Two payloads, on and off.</summary>
    Switch,

    /// <summary>One payload, pressed; no state.</summary>
    Button,

    /// <summary>A number, within <see cref="ControlDefinition.Min"/> and <see cref="ControlDefinition.Max"/> when known.</summary>
    Number,

    /// <summary>One of <see cref="ControlDefinition.Options"/>.</summary>
    Select,
}

/// <summary>
/// Something a device lets itself be told, and where it says what it did. <see cref="Id"/> is stable (the command topic, and
/// the JSON field when the command is one: <c>zigbee2mqtt/lamp/set#brightness</c>). A command is the value itself, or
/// <c>{"&lt;CommandField&gt;": value}</c>; the state is the <see cref="StateTopic"/>'s payload, or the field at
/// <see cref="StatePath"/> of its JSON. No state topic: a command cannot be confirmed.
/// </summary>
public sealed record ControlDefinition(string Id, string Name, ControlKind Kind, string CommandTopic, string Source)
{
    public string PayloadOn { get; init; } = "ON";
    public string PayloadOff { get; init; } = "OFF";
    public string PayloadPress { get; init; } = "PRESS";

    /// <summary>The state words meaning on and off; null: the payloads'.</summary>
    public string? StateOn { get; init; }
    public string? StateOff { get; init; }

    public double? Min { get; init; }
    public double? Max { get; init; }
    public double? Step { get; init; }

    /// <summary>A slider rather than a box (Home Assistant's <c>mode: slider</c>, or a known range).</summary>
    public bool Slider { get; init; }

    public IReadOnlyList<string> Options { get; init; } = [];

    /// <summary>A number's unit, shown with its state.</summary>
    public string? Unit { get; init; }

    public string? CommandField { get; init; }
    public string? StateTopic { get; init; }
    public IReadOnlyList<string>? StatePath { get; init; }

    public string OnWord => StateOn ?? PayloadOn;
    public string OffWord => StateOff ?? PayloadOff;

    public static string IdOf(string commandTopic, string? field = null) => field is null ? commandTopic : $"{commandTopic}#{field}";
}

/// <summary>Controls a discovery config declares, keyed by the config's topic: a later config on it replaces them, an empty one removes them.</summary>
public sealed record DeclaredControls(string Source, IReadOnlyList<(string DeviceId, ControlDefinition Control)> Controls);
