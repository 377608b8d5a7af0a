using System.Globalization;
using System.Text.Json;

namespace Dashboard.Devices.Controls;

/// <summary>A command for a control: its payload, and the state that would confirm it (null for a button, which has none).</summary>
public sealed record ControlCommand(string Payload, string? Expected)
{
    /// <summary>
    /// The command for <paramref name="value"/>: a switch takes <c>on</c>/<c>off</c> (<c>true</c>/<c>false</c>, its own payloads),
    /// a number a number within its range, a select one of its options, a button anything. An error says what is wrong.
    /// </summary>
    public static (ControlCommand? Command, string? Error) For(ControlDefinition control, string? value)
    {
        var text = value?.Trim() ?? "";
        switch (control.Kind)
        {
            case ControlKind.Button:
                return (new(Wrap(control, control.PayloadPress, quote: true), null), null);
            case ControlKind.Switch:
                bool? on = text.ToLowerInvariant() switch
                {
                    "on" or "true" or "1" => true,
                    "off" or "false" or "0" => false,
                    _ when text == control.PayloadOn => true,
                    _ when text == control.PayloadOff => false,
                    _ => null,
                };
                return on is { } isOn
                    ? (new(Wrap(control, isOn ? control.PayloadOn : control.PayloadOff, quote: true), isOn ? control.OnWord : control.OffWord), null)
                    : (null, $"A switch takes on or off ({control.PayloadOn} or {control.PayloadOff}).");
            case ControlKind.Number:
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number))
                {
                    return (null, "A number is needed.");
                }

                if (number < control.Min || number > control.Max)
                {
                    return (null, $"The value must be between {control.Min?.ToString(CultureInfo.InvariantCulture)} and {control.Max?.ToString(CultureInfo.InvariantCulture)}.");
                }

                var formatted = number.ToString("R", CultureInfo.InvariantCulture);
                return (new(Wrap(control, formatted, quote: false), formatted), null);
            case ControlKind.Select:
                return control.Options.Contains(text, StringComparer.Ordinal)
                    ? (new(Wrap(control, text, quote: true), text), null)
                    : (null, $"The value must be one of: {string.Join(", ", control.Options)}.");
            default:
                return (null, "This control cannot be commanded.");
        }
    }

    /// <summary>The value as it is, or as <c>{"field": value}</c> for a control that takes JSON.</summary>
    private static string Wrap(ControlDefinition control, string value, bool quote)
    {
        if (control.CommandField is not { } field)
        {
            return value;
        }

        return $"{{{JsonSerializer.Serialize(field)}:{(quote ? JsonSerializer.Serialize(value) : value)}}}";
    }
}
