namespace Dashboard.Components.History;

/// <summary>
/// A chart zoomed by dragging: <paramref name="Uri"/> is the zoomed chart's address (base-relative), <paramref name="Before"/>
/// the address to return to, <paramref name="BaseKey"/> the range button that stays lit while zoomed.
/// </summary>
internal sealed record HistoryZoom(string Uri, string Before, string BaseKey);
