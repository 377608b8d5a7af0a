using System.Globalization;

namespace Dashboard.Devices.Conventions;

/// <summary>
/// Reads the expression inside <c>{{ }}</c> into a <see cref="TemplateNode"/>, by Jinja's precedence: <c>+ -</c>, then
/// <c>* /</c>, then a unary minus, then filters (<c>|</c>) on a value, a field path, a number or a parenthesis. Null for
/// anything outside that (other filters, functions, conditionals, strings as values, a template reading both the payload
/// and its JSON).
/// </summary>
internal sealed class TemplateParser
{
    private readonly string _text;
    private int _at;

    private TemplateParser(string text) => _text = text;

    /// <summary>
    /// Longer expressions are not read: real ones are a line, and the parser and the evaluation recurse once per
    /// parenthesis, sign or operator, so a config of nested brackets published by anyone must not reach the stack's end.
    /// </summary>
    private const int MaxLength = 512;

    public static TemplateNode? Parse(string text)
    {
        if (text.Length > MaxLength)
        {
            return null;
        }

        var parser = new TemplateParser(text);
        try
        {
            var root = parser.Sum();
            parser.SkipSpaces();
            return parser._at == text.Length && Consistent(root) ? root : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    // The payload or its JSON, not both and not neither (a constant is no reading).
    private static bool Consistent(TemplateNode node) => node.Reads() is TemplateNode.Input.Value or TemplateNode.Input.Json;

    private TemplateNode Sum()
    {
        var left = Product();
        while (Next() is '+' or '-')
        {
            var op = _text[_at++];
            left = new TemplateNode.Binary(op, left, Product());
        }

        return left;
    }

    private TemplateNode Product()
    {
        var left = Unary();
        while (Next() is '*' or '/' && !(_at + 1 < _text.Length && _text[_at + 1] == _text[_at])) // not ** nor //
        {
            var op = _text[_at++];
            left = new TemplateNode.Binary(op, left, Unary());
        }

        return left;
    }

    private TemplateNode Unary()
    {
        if (Next() == '-')
        {
            _at++;
            return new TemplateNode.Negated(Unary());
        }

        var operand = Primary();
        while (Next() == '|')
        {
            _at++;
            operand = Filter(operand);
        }

        return operand;
    }

    private TemplateNode Primary()
    {
        var next = Next();
        if (next == '(')
        {
            _at++;
            var inner = Sum();
            Expect(')');
            return inner;
        }

        if (next is >= '0' and <= '9' or '.')
        {
            return new TemplateNode.Constant(Number());
        }

        return Name() switch
        {
            "value" => new TemplateNode.Value(),
            "value_json" => new TemplateNode.Json(Path()),
            _ => throw new FormatException(),
        };
    }

    private TemplateNode.Filtered Filter(TemplateNode operand)
    {
        var name = Name();
        double? argument = null;
        if (Next() == '(')
        {
            _at++;
            if (Next() == '-')
            {
                _at++;
                argument = -Number();
            }
            else if (Next() != ')')
            {
                argument = Number();
            }

            Expect(')');
        }

        return name switch
        {
            "float" or "int" => new TemplateNode.Filtered(name, argument, 0, operand),
            "round" when argument is null => new TemplateNode.Filtered(name, null, 0, operand),
            "round" when argument is >= 0 and <= 15 && argument == Math.Floor(argument.Value) => new TemplateNode.Filtered(name, null, (int)argument, operand),
            _ => throw new FormatException(),
        };
    }

    // .x, ['x'], ["x"], [0], in any sequence; at least one step.
    private string[] Path()
    {
        var path = new List<string>();
        while (_at < _text.Length && _text[_at] is '.' or '[')
        {
            if (_text[_at++] == '.')
            {
                path.Add(Name());
                continue;
            }

            SkipSpaces();
            if (_at < _text.Length && _text[_at] is '\'' or '"')
            {
                var quote = _text[_at++];
                var close = _text.IndexOf(quote, _at);
                if (close < 0)
                {
                    throw new FormatException();
                }

                path.Add(_text[_at..close]);
                _at = close + 1;
            }
            else
            {
                var start = _at;
                while (_at < _text.Length && char.IsAsciiDigit(_text[_at]))
                {
                    _at++;
                }

                if (_at == start)
                {
                    throw new FormatException();
                }

                path.Add(_text[start.._at]);
            }

            Expect(']');
        }

        return path.Count > 0 ? [.. path] : throw new FormatException();
    }

    private string Name()
    {
        SkipSpaces();
        var start = _at;
        while (_at < _text.Length && (char.IsAsciiLetterOrDigit(_text[_at]) || _text[_at] == '_'))
        {
            _at++;
        }

        return _at > start ? _text[start.._at] : throw new FormatException();
    }

    private double Number()
    {
        SkipSpaces();
        var start = _at;
        while (_at < _text.Length && (char.IsAsciiDigit(_text[_at]) || _text[_at] == '.'))
        {
            _at++;
        }

        return double.TryParse(_text.AsSpan(start, _at - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new FormatException();
    }

    private void Expect(char expected)
    {
        if (Next() != expected)
        {
            throw new FormatException();
        }

        _at++;
    }

    private char? Next()
    {
        SkipSpaces();
        return _at < _text.Length ? _text[_at] : null;
    }

    private void SkipSpaces()
    {
        while (_at < _text.Length && char.IsWhiteSpace(_text[_at]))
        {
            _at++;
        }
    }
}
