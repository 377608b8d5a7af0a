using System.Globalization;
using System.Text.Json;
using Dashboard.Devices.Conventions;

namespace Dashboard.Devices.Controls;

/// <summary>
/// The control a Home Assistant discovery config declares (Home Assistant's MQTT switch, light, button, number and select
/// pages): its command topic and payloads, its range or options, and the state topic that confirms a command. A config
/// whose <c>command_template</c> is not plain <c>{{ value }}</c> is not offered: the template is not run, and a command
/// without it would not be what the device expects. A state read through a template other than the simple forms
/// (<see cref="HomeAssistantTemplate"/>) cannot confirm a command.
/// </summary>
internal static class HomeAssistantControls
{
    private const string Source = "Home Assistant discovery";

    public static ControlDefinition? Of(string component, string name, HomeAssistantConfig.Scope config, HomeAssistantTemplate stateTemplate)
    {
        if (config.Topic("command_topic") is not { } command || !PlainCommand(config.String("command_template")))
        {
            return null;
        }

        var control = component switch
        {
            "switch" => new ControlDefinition(command, name, ControlKind.Switch, command, Source)
            {
                PayloadOn = config.Text("payload_on") ?? "ON",
                PayloadOff = config.Text("payload_off") ?? "OFF",
                StateOn = config.Text("state_on"),
                StateOff = config.Text("state_off"),
            },
            "light" when config.String("schema") == "json" => new ControlDefinition(ControlDefinition.IdOf(command, "state"), name, ControlKind.Switch, command, Source)
            {
                CommandField = "state",
            },
            "light" when config.String("schema") is null or "default" or "basic" => new ControlDefinition(command, name, ControlKind.Switch, command, Source)
            {
                PayloadOn = config.Text("payload_on") ?? "ON",
                PayloadOff = config.Text("payload_off") ?? "OFF",
            },
            "button" => new ControlDefinition(command, name, ControlKind.Button, command, Source) { PayloadPress = config.Text("payload_press") ?? "PRESS" },
            "number" => new ControlDefinition(command, name, ControlKind.Number, command, Source)
            {
                // Home Assistant's defaults: 1 to 100 in steps of 1; mode auto shows a slider for a small range, as here.
                Min = Number(config, "min") ?? 1,
                Max = Number(config, "max") ?? 100,
                Step = Number(config, "step") ?? 1,
                Slider = config.String("mode") != "box",
                Unit = config.String("unit_of_measurement") is { Length: > 0 } unit ? unit : null,
            },
            "select" when Options(config) is { Count: > 0 } options => new ControlDefinition(command, name, ControlKind.Select, command, Source) { Options = options },
            _ => null,
        };

        if (control is null || control.Kind == ControlKind.Button || config.Topic("state_topic") is not { } state)
        {
            return control;
        }

        return stateTemplate.Kind switch
        {
            TemplateKind.None or TemplateKind.Value => control with { StateTopic = state },
            TemplateKind.JsonPath => control with { StateTopic = state, StatePath = stateTemplate.Path },
            _ => control, // a template not run: the state cannot be read, so commands cannot be confirmed
        };
    }

    private static bool PlainCommand(string? template) =>
        string.IsNullOrWhiteSpace(template) || template.Replace(" ", "", StringComparison.Ordinal) == "{{value}}";

    private static double? Number(HomeAssistantConfig.Scope config, string key) =>
        double.TryParse(config.Text(key), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) ? value : null;

    private static List<string> Options(HomeAssistantConfig.Scope config) =>
        config.Get("options") is { ValueKind: JsonValueKind.Array } list
            ? [.. list.EnumerateArray().Select(HomeAssistantConfig.Scope.TextOf).OfType<string>()]
            : [];
}
