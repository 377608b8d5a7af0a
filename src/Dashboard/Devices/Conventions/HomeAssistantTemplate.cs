using System.Globalization;
using System.Text.Json;

namespace Dashboard.Devices.Conventions;

/// <summary>
/// The <c>value_template</c> forms discovery configs use for a number, read once when the config arrives: <c>{{ value }}</c>,
/// <c>{{ value_json.x.y }}</c>, <c>{{ value_json['x'][0] }}</c>, the filters <c>| float</c>, <c>| int</c> (each with an
/// optional default) and <c>| round(n)</c>, and arithmetic on them with numbers (<c>+ - * /</c>, parentheses), as Jinja
/// reads it: a filter binds to what is just before it (<c>value_json.w | float * 3.6</c> multiplies the filtered field).
/// Anything else is <see cref="TemplateKind.Complex"/>: it is not run, and the payload is read as the generic rules read it.
/// </summary>
internal sealed record HomeAssistantTemplate(TemplateKind Kind, string[] Path)
{
    public static readonly HomeAssistantTemplate None = new(TemplateKind.None, []);
    public static readonly HomeAssistantTemplate Complex = new(TemplateKind.Complex, []);

    private TemplateNode? _root;

    /// <summary>True when the template reads the payload as JSON (<c>value_json</c>); otherwise the payload is the value.</summary>
    public bool ReadsJson { get; private init; }

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

        var inner = text[2..^2].ToString();
        if (inner.Contains("{{", StringComparison.Ordinal) || inner.Contains("}}", StringComparison.Ordinal)
            || TemplateParser.Parse(inner) is not { } root)
        {
            return Complex;
        }

        var reads = root.Reads();
        var (kind, path) = root.Unfiltered() switch
        {
            TemplateNode.Json json => (TemplateKind.JsonPath, json.Path),
            TemplateNode.Value => (TemplateKind.Value, Array.Empty<string>()),
            _ => (TemplateKind.Computed, []),
        };
        return new HomeAssistantTemplate(kind, path) { _root = root, ReadsJson = reads == TemplateNode.Input.Json };
    }

    /// <summary>The element <see cref="Path"/> names in <paramref name="root"/>, if there is one.</summary>
    public JsonElement? Select(JsonElement root) => Select(root, Path);

    /// <summary>The number the template gives for a JSON payload (a field: a JSON number, a numeric string, or a boolean as 1/0).</summary>
    public double? Number(JsonElement root) => Finite(_root?.Evaluate(root, null));

    /// <summary>The number the template gives for a payload that is itself the number; the number alone without a template.</summary>
    public double? Filtered(double value) => _root is null ? Finite(value) : Finite(_root.Evaluate(default, value));

    /// <summary>The text of the element the path names, as a template renders it (<c>true</c>, <c>21.5</c>, <c>ON</c>).</summary>
    public string? Text(JsonElement root) => Path.Length == 0 ? null : Select(root) switch
    {
        { ValueKind: JsonValueKind.String } text => text.GetString(),
        { ValueKind: JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False } other => other.GetRawText(),
        _ => null,
    };

    public static bool TryParseNumber(string? text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    internal static JsonElement? Select(JsonElement root, string[] path)
    {
        var element = root;
        foreach (var step in path)
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

    private static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;
}

internal enum TemplateKind
{
    /// <summary>No template: the payload is the value.</summary>
    None,

    /// <summary><c>{{ value }}</c>, maybe filtered: the payload is the value.</summary>
    Value,

    /// <summary><c>{{ value_json.x }}</c>, maybe filtered: a field of the JSON payload.</summary>
    JsonPath,

    /// <summary>Arithmetic on the value or on fields (<c>{{ value_json.w | float * 3.6 }}</c>): a number, never a state word.</summary>
    Computed,

    /// <summary>Anything else: not run.</summary>
    Complex,
}

/// <summary>A parsed template expression, evaluated per message; null where Home Assistant's template would fail.</summary>
internal abstract record TemplateNode
{
    [Flags]
    public enum Input
    {
        None = 0,
        Value = 1,
        Json = 2,
    }

    public abstract double? Evaluate(JsonElement json, double? value);

    /// <summary>What the expression reads, all of it (a template reading both, or neither, is refused by the parser).</summary>
    public abstract Input Reads();

    /// <summary>The node under any filters.</summary>
    public TemplateNode Unfiltered() => this is Filtered filtered ? filtered.Operand.Unfiltered() : this;

    public sealed record Constant(double Number) : TemplateNode
    {
        public override double? Evaluate(JsonElement json, double? value) => Number;

        public override Input Reads() => Input.None;
    }

    public sealed record Value : TemplateNode
    {
        public override double? Evaluate(JsonElement json, double? value) => value;

        public override Input Reads() => Input.Value;
    }

    public sealed record Json(string[] Path) : TemplateNode
    {
        public override double? Evaluate(JsonElement json, double? value)
        {
            if (json.ValueKind == JsonValueKind.Undefined)
            {
                return null;
            }

            return HomeAssistantTemplate.Select(json, Path) switch
            {
                { ValueKind: JsonValueKind.Number } number when number.TryGetDouble(out var n) => n,
                { ValueKind: JsonValueKind.String } text when HomeAssistantTemplate.TryParseNumber(text.GetString(), out var n) => n,
                { ValueKind: JsonValueKind.True } => 1,
                { ValueKind: JsonValueKind.False } => 0,
                _ => null,
            };
        }

        public override Input Reads() => Input.Json;
    }

    public sealed record Negated(TemplateNode Operand) : TemplateNode
    {
        public override double? Evaluate(JsonElement json, double? value) => -Operand.Evaluate(json, value);

        public override Input Reads() => Operand.Reads();
    }

    public sealed record Binary(char Operator, TemplateNode Left, TemplateNode Right) : TemplateNode
    {
        public override double? Evaluate(JsonElement json, double? value) =>
            (Left.Evaluate(json, value), Right.Evaluate(json, value), Operator) switch
            {
                (null, _, _) or (_, null, _) => null,
                (_, 0, '/') => null, // Jinja raises: Home Assistant shows the entity unavailable
                ({ } l, { } r, '+') => l + r,
                ({ } l, { } r, '-') => l - r,
                ({ } l, { } r, '*') => l * r,
                ({ } l, { } r, _) => l / r,
            };

        public override Input Reads() => Left.Reads() | Right.Reads();
    }

    /// <summary><c>float</c>, <c>int</c> (truncating; the default when the operand is not a number) and <c>round(n)</c>.</summary>
    public sealed record Filtered(string Name, double? Default, int Digits, TemplateNode Operand) : TemplateNode
    {
        public override double? Evaluate(JsonElement json, double? value) => (Operand.Evaluate(json, value), Name) switch
        {
            (null, "round") => null,
            (null, _) => Default,
            ({ } v, "int") => Math.Truncate(v),
            ({ } v, "round") => Math.Round(v, Digits, MidpointRounding.AwayFromZero), // Jinja's "common" rounding
            ({ } v, _) => v,
        };

        public override Input Reads() => Operand.Reads();
    }
}
