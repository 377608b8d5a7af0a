namespace Dashboard.Components.History;

/// <summary>The History page's query string as it arrives: <c>series</c> (repeated), and <c>range</c> or <c>from</c>/<c>to</c>.</summary>
internal readonly record struct HistoryAddress(IReadOnlyList<string>? Series, string? Range, string? From, string? To);
