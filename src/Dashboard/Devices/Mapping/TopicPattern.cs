namespace Dashboard.Devices.Mapping;

/// <summary>
/// A user's topic scheme (README, "Mapping rules"): an MQTT topic filter whose levels may also be <c>{device}</c> (exactly
/// once: the level that names the device) and <c>{metric}</c> (at most once: the level that names the reading), e.g.
/// <c>plant/{device}/sensors/{metric}</c> or <c>lab/+/{device}/data</c>. <c>+</c> matches one level, <c>#</c> (last only)
/// any number, the placeholders one non-empty level. Immutable, so a rule set can be shared between threads.
/// </summary>
public sealed class TopicPattern
{
    public const int MaxLength = 1024;

    private const string Device = "{device}";
    private const string Metric = "{metric}";

    private readonly string[] _levels;

    private TopicPattern(string text, string[] levels)
    {
        Text = text;
        _levels = levels;
        HasMetric = levels.Contains(Metric);
    }

    public string Text { get; }

    /// <summary>True when a level names the metric; otherwise the payload does (its JSON fields, or the topic's last level).</summary>
    public bool HasMetric { get; }

    /// <summary>Reads <paramref name="text"/>; on failure <paramref name="error"/> says why, in words for the person who wrote it.</summary>
    public static bool TryParse(string? text, out TopicPattern? pattern, out string? error)
    {
        pattern = null;
        error = Check(text?.Trim(), out var levels);
        if (error is null)
        {
            pattern = new TopicPattern(text!.Trim(), levels!);
        }

        return error is null;
    }

    public static TopicPattern Parse(string text) =>
        TryParse(text, out var pattern, out var error) ? pattern! : throw new FormatException($"'{text}': {error}");

    /// <summary>True when <paramref name="topic"/> has the pattern's shape; then <paramref name="device"/> and <paramref name="metric"/> are its placeholders' levels.</summary>
    public bool TryMatch(string topic, out string device, out string? metric)
    {
        device = "";
        metric = null;
        if (topic.StartsWith('$') && _levels[0] is "+" or "#" or Device or Metric)
        {
            return false; // as in MQTT, a wildcard first level never matches $SYS/… and other $ topics
        }

        var hash = _levels[^1] == "#";
        var exact = hash ? _levels.Length - 1 : _levels.Length; // levels that must be there (a/# matches a, as in MQTT)
        Span<Range> ranges = stackalloc Range[exact + 1]; // one more: what is left beyond them
        var levels = topic.AsSpan();
        var count = levels.Split(ranges, '/');
        if (hash ? count < exact : count != exact)
        {
            return false;
        }

        for (var i = 0; i < exact; i++)
        {
            var level = levels[ranges[i]];
            switch (_levels[i])
            {
                case "+":
                    break;
                case Device or Metric when level.IsEmpty:
                    return false;
                case Device:
                    device = level.ToString();
                    break;
                case Metric:
                    metric = level.ToString();
                    break;
                default:
                    if (!level.SequenceEqual(_levels[i]))
                    {
                        return false;
                    }

                    break;
            }
        }

        return true;
    }

    public override string ToString() => Text;

    private static string? Check(string? text, out string[]? levels)
    {
        levels = null;
        if (string.IsNullOrEmpty(text))
        {
            return "A pattern is needed, e.g. plant/{device}/sensors/{metric}.";
        }

        if (text.Length > MaxLength)
        {
            return $"A pattern is at most {MaxLength} characters.";
        }

        if (text.Contains('\0'))
        {
            return "A pattern may not contain the null character.";
        }

        var parts = text.Split('/');
        for (var i = 0; i < parts.Length; i++)
        {
            var level = parts[i];
            if (level == "#" && i != parts.Length - 1)
            {
                return "# may only be the last level (it matches everything below it), as in MQTT filters.";
            }

            if (level is "+" or "#" or Device or Metric)
            {
                continue;
            }

            if (level.Contains('+') || level.Contains('#'))
            {
                return $"'{level}': + and # must be a whole level on their own (a/+/b, a/#).";
            }

            if (level.Contains('{') || level.Contains('}'))
            {
                return level.StartsWith('{') && level.EndsWith('}') && level.IndexOf('{', 1) < 0
                    ? $"Unknown placeholder {level}: use {Device} and {Metric}."
                    : $"'{level}': {Device} and {Metric} must be a whole level on their own (plant/{Device}/{Metric}).";
            }
        }

        var devices = parts.Count(p => p == Device);
        if (devices == 0)
        {
            return $"The pattern needs a {Device} level: the level that names the device (plant/{Device}/sensors/{Metric}).";
        }

        if (devices > 1)
        {
            return $"{Device} may appear only once: one level names the device.";
        }

        if (parts.Count(p => p == Metric) > 1)
        {
            return $"{Metric} may appear only once: one level names the metric.";
        }

        levels = parts;
        return null;
    }
}
