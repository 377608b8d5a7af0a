using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Dashboard.Devices.Controls;

/// <summary>Reads a control's state from its state topic's payload, and tells whether it shows what a command asked for.</summary>
public static class ControlState
{
    /// <summary>The state as text (<c>ON</c>, <c>128</c>, <c>Eco</c>), or null when the payload does not carry it.</summary>
    public static string? Read(ControlDefinition control, ReadOnlySpan<byte> payload)
    {
        if (control.StatePath is not { Count: > 0 } path)
        {
            var text = Encoding.UTF8.GetString(payload).Trim();
            return text.Length == 0 ? null : text;
        }

        try
        {
            var reader = new Utf8JsonReader(payload);
            if (!JsonElement.TryParseValue(ref reader, out var root))
            {
                return null;
            }

            var element = root.Value;
            foreach (var level in path)
            {
                if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty(level, out var child))
                {
                    element = child;
                }
                else if (element.ValueKind == JsonValueKind.Array && int.TryParse(level, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                    && index < element.GetArrayLength())
                {
                    element = element[index];
                }
                else
                {
                    return null;
                }
            }

            return element.ValueKind switch
            {
                JsonValueKind.String => element.GetString(),
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => element.GetRawText(),
                _ => null,
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Whether <paramref name="state"/> is what a command for <paramref name="expected"/> should lead to.</summary>
    public static bool Shows(ControlDefinition control, string? state, string expected)
    {
        if (state is null)
        {
            return false;
        }

        return control.Kind == ControlKind.Number
            ? double.TryParse(state, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                && double.TryParse(expected, NumberStyles.Float, CultureInfo.InvariantCulture, out var wanted)
                && Math.Abs(number - wanted) <= Math.Max(1e-9, (control.Step ?? 0) / 2)
            : string.Equals(state.Trim(), expected, control.Kind == ControlKind.Switch ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
    }

    /// <summary>A switch's state as on (true), off (false), or neither (null).</summary>
    public static bool? IsOn(ControlDefinition control, string? state) =>
        state is null ? null
        : string.Equals(state, control.OnWord, StringComparison.OrdinalIgnoreCase) ? true
        : string.Equals(state, control.OffWord, StringComparison.OrdinalIgnoreCase) ? false
        : null;
}
