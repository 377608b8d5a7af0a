namespace Dashboard.Readings;

/// <summary>One number a payload carries, as a metric of the topic it came on.</summary>
public readonly record struct ParsedValue(string Metric, double Value, string? Unit);
