using System.Globalization;
using System.Text.Json;

namespace Dashboard.Devices.Conventions;

/// <summary>
/// The simple <c>value_template</c> forms a discovery config uses, read once when the config arrives:
/// <c>{{ value }}</c>, <c>{{ value_json.x.y }}</c>, <c>{{ value_json['x'][0] }}</c>, each optionally followed by
/// <c>| float</c>, <c>| int</c>, <c>| round(n)</c>. Anything else is <see cref="TemplateKind.Complex"/>: it is not run,
/// and the payload is read as the generic rules read it.
/// </summary>
internal sealed record HomeAssistantTemplate(TemplateKind Kind, string[] Path, TemplateFilter[] Filters)
{
    public static readonly HomeAssistantTemplate None = new(TemplateKind.None, [], []);
    public static readonly HomeAssistantTemplate Complex = new(TemplateKind.Complex, [], []);

    public static HomeAssistantTemplate Parse(string? template)
    {
        if (string.IsNullOrWhiteSpace(template))
        {
            return None;
        }

        var text = template.AsSpan().Trim();
        if (!text.StartsWith("{{") || !text.EndsWith("}}") || text.Length < 4)
        {
            return Complex;
        }

        var inner = text[2..^2];
        if (inner.Contains("{{", StringComparison.Ordinal) || inner.Contains("}}", StringComparison.Ordinal) || (inner.ContainsAny('"', '\'') && inner.Contains('|')))
        {
            return Complex; // a quoted '|' or a second expression: not a simple form
        }

        var parts = inner.ToString().Split('|', StringSplitOptions.TrimEntries);
        var filters = new TemplateFilter[parts.Length - 1];
        for (var i = 1; i < parts.Length; i++)
        {
            if (TemplateFilter.Parse(parts[i]) is not { } filter)
            {
                return Complex;
            }

            filters[i - 1] = filter;
        }

        var expression = parts[0];
        if (expression == "value")
        {
            return new(TemplateKind.Value, [], filters);
        }

        return expression.StartsWith("value_json", StringComparison.Ordinal) && ParsePath(expression.AsSpan(10)) is { } path
            ? new(TemplateKind.JsonPath, path, filters)
            : Complex;
    }

    /// <summary>The element the path names in <paramref name="root"/>, if there is one.</summary>
    public JsonElement? Select(JsonElement root)
    {
        var element = root;
        foreach (var step in Path)
        {
            if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty(step, out var child))
            {
                element = child;
            }
            else if (element.ValueKind == JsonValueKind.Array && int.TryParse(step, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                && index < element.GetArrayLength())
            {
                element = element[index];
            }
            else
            {
                return null;
            }
        }

        return element;
    }

    /// <summary>The number the path names (a JSON number, a numeric string, or a boolean as 1/0), with the filters applied.</summary>
    public double? Number(JsonElement root)
    {
        double value;
        switch (Select(root))
        {
            case { ValueKind: JsonValueKind.Number } number when number.TryGetDouble(out value):
                break;
            case { ValueKind: JsonValueKind.String } text when TryParseNumber(text.GetString(), out value):
                break;
            case { ValueKind: JsonValueKind.True }:
                value = 1;
                break;
            case { ValueKind: JsonValueKind.False }:
                value = 0;
                break;
            default:
                return null;
        }

        return Filtered(value);
    }

    /// <summary>The value with the filters applied, or null when it is not finite.</summary>
    public double? Filtered(double value)
    {
        foreach (var filter in Filters)
        {
            value = filter.Apply(value);
        }

        return double.IsFinite(value) ? value : null;
    }

    /// <summary>The text of the element the path names, as a template renders it (<c>true</c>, <c>21.5</c>, <c>ON</c>).</summary>
    public string? Text(JsonElement root) => Select(root) switch
    {
        { ValueKind: JsonValueKind.String } text => text.GetString(),
        { ValueKind: JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False } other => other.GetRawText(),
        _ => null,
    };

    public static bool TryParseNumber(string? text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    // .x, ['x'], ["x"], [0], in any sequence; nothing else.
    private static string[]? ParsePath(ReadOnlySpan<char> rest)
    {
        var path = new List<string>();
        while (!rest.IsEmpty)
        {
            if (rest[0] == '.')
            {
                var length = 1;
                while (length < rest.Length && (char.IsAsciiLetterOrDigit(rest[length]) || rest[length] == '_'))
                {
                    length++;
                }

                if (length == 1)
                {
                    return null;
                }

                path.Add(rest[1..length].ToString());
                rest = rest[length..];
            }
            else if (rest[0] == '[' && rest.IndexOf(']') is var close and > 1)
            {
                var key = rest[1..close];
                if (key.Length >= 2 && key[0] is '\'' or '"' && key[^1] == key[0])
                {
                    path.Add(key[1..^1].ToString());
                }
                else if (int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    path.Add(key.ToString());
                }
                else
                {
                    return null;
                }

                rest = rest[(close + 1)..];
            }
            else
            {
                return null;
            }
        }

        return path.Count > 0 ? [.. path] : null;
    }
}

internal enum TemplateKind
{
    /// <summary>No template: the payload is the value.</summary>
    None,

    /// <summary><c>{{ value }}</c>: the payload is the value.</summary>
    Value,

    /// <summary><c>{{ value_json.x }}</c>: a field of the JSON payload.</summary>
    JsonPath,

    /// <summary>Anything else: not run.</summary>
    Complex,
}

/// <summary>One filter of a simple template: <c>float</c> and <c>int</c> (with an optional default), <c>round(n)</c>.</summary>
internal readonly record struct TemplateFilter(string Name, int Digits)
{
    public static TemplateFilter? Parse(string text)
    {
        var open = text.IndexOf('(');
        var name = open < 0 ? text : text[..open].TrimEnd();
        var argument = open < 0 ? "" : text.EndsWith(')') ? text[(open + 1)..^1].Trim() : null;
        return (name, argument) switch
        {
            (_, null) => null,
            ("float" or "int", "") => new TemplateFilter(name, 0),
            ("float" or "int", _) when HomeAssistantTemplate.TryParseNumber(argument, out _) => new TemplateFilter(name, 0),
            ("round", "") => new TemplateFilter(name, 0),
            ("round", _) when int.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out var digits) && digits <= 15 =>
                new TemplateFilter(name, digits),
            _ => null,
        };
    }

    public double Apply(double value) => Name switch
    {
        "int" => Math.Truncate(value),
        "round" => Math.Round(value, Digits, MidpointRounding.AwayFromZero), // Jinja's "common" rounding
        _ => value,
    };
}
