namespace Dashboard.Components.Charts;

/// <summary>
/// One line on a <see cref="TimeSeriesChart"/>. <paramref name="Times"/> must be ascending and as long as
/// <paramref name="Values"/>; a null value is a gap. <paramref name="Min"/> and <paramref name="Max"/>, when
/// both are given (same length as <paramref name="Values"/>), are drawn as a filled band behind the line:
/// the range of each bucket of downsampled data.
/// </summary>
public sealed record ChartSeries(
    string Label,
    string? Unit,
    IReadOnlyList<DateTimeOffset> Times,
    IReadOnlyList<double?> Values,
    IReadOnlyList<double?>? Min = null,
    IReadOnlyList<double?>? Max = null);
