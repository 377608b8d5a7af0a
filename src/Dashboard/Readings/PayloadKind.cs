namespace Dashboard.Readings;

/// <summary>What a payload turned out to be.</summary>
public enum PayloadKind
{
    /// <summary>No bytes, or only whitespace (a cleared retained message).</summary>
    Empty,

    /// <summary>Just a number, as text or JSON: <c>23.5</c>, <c>-4</c>, <c>+1e3</c>, <c>"23.5"</c>.</summary>
    Number,

    /// <summary>One number in short text: <c>23.5°C</c>, <c>45 %</c>, <c>Temperature: 23°C</c>, <c>temp 21.5</c>.</summary>
    Text,

    /// <summary>A JSON object or array with at least one numeric field.</summary>
    Json,

    /// <summary>A state word (<c>ON</c>/<c>OFF</c>, ...), or a JSON object whose only news is its state.</summary>
    State,

    /// <summary>Not a reading: binary, too big, malformed JSON, or text without exactly one clear number.</summary>
    Unparsed,
}
