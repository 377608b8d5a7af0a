using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Dashboard.History;

/// <summary>The history part of the HTTP API (docs/architecture.md): a downsampled series as JSON, the raw readings as CSV.</summary>
public static class HistoryApi
{
    public sealed record PointDto(DateTimeOffset Time, double Value, double Min, double Max, long Count);

    public sealed record SeriesDto(
        string Topic, string Metric, string? Unit, string? DeviceId, DateTimeOffset From, DateTimeOffset To,
        string Resolution, double? BucketSeconds, IReadOnlyList<PointDto> Points);

    public static IEndpointRouteBuilder MapHistoryApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("History");
        api.MapGet("/readings", ReadingsAsync);
        api.MapGet("/readings.csv", CsvAsync);
        return app;
    }

    private static async Task<Results<Ok<SeriesDto>, ValidationProblem, ProblemHttpResult>> ReadingsAsync(string? topic, string? metric, string? from, string? to, string? maxPoints,
        HistoryQueries history, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (ReadingsRequest.Parse(topic, metric, from, to, maxPoints, out var errors) is not { } request)
        {
            return TypedResults.ValidationProblem(errors, title: "The history request is not valid");
        }

        var topicSeries = await history.SeriesOfTopicAsync(request.Topic, cancellationToken);
        if (NoSuchSeries(request, topicSeries) is { } problem)
        {
            return problem;
        }

        HistorySeriesInfo series;
        if (request.Metric is { } name)
        {
            series = topicSeries.Single(s => s.Metric == name);
        }
        else if (topicSeries.Count == 1)
        {
            series = topicSeries[0];
        }
        else
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["metric"] = [$"topic {request.Topic} has {topicSeries.Count} metrics ({Names(topicSeries)}): choose one with metric="] },
                title: "The history request is not valid");
        }

        var (start, end) = request.ChartRange(clock.GetUtcNow());
        var data = await history.ReadAsync(series, start, end, request.MaxPoints, cancellationToken);
        return TypedResults.Ok(new SeriesDto(
            series.Topic, series.Metric, series.Unit, series.DeviceId, data.From, data.To,
            data.Resolution.ToString().ToLowerInvariant(),
            data.BucketWidth > TimeSpan.Zero ? data.BucketWidth.TotalSeconds : null,
            [.. data.Points.Select(p => new PointDto(DateTimeOffset.FromUnixTimeMilliseconds(p.Time), p.Value, p.Min, p.Max, p.Count))]));
    }

    /// <summary>Every stored reading of the topic (or of one metric of it) in the range (default: all), oldest first.</summary>
    private static async Task<Results<PushStreamHttpResult, ValidationProblem, ProblemHttpResult>> CsvAsync(string? topic, string? metric, string? from, string? to,
        HistoryQueries history, HistoryCsvExport export, CancellationToken cancellationToken)
    {
        if (ReadingsRequest.Parse(topic, metric, from, to, null, out var errors) is not { } request)
        {
            return TypedResults.ValidationProblem(errors, title: "The export request is not valid");
        }

        var topicSeries = await history.SeriesOfTopicAsync(request.Topic, cancellationToken);
        if (NoSuchSeries(request, topicSeries) is { } problem)
        {
            return problem;
        }

        var series = request.Metric is { } name ? [.. topicSeries.Where(s => s.Metric == name)] : topicSeries;
        return TypedResults.Stream(
            stream => export.WriteAsync(stream, series, request.From, request.To, cancellationToken),
            "text/csv; charset=utf-8",
            FileName(request.Topic, request.Metric));
    }

    private static ProblemHttpResult? NoSuchSeries(ReadingsRequest request, IReadOnlyList<HistorySeriesInfo> topicSeries)
    {
        if (topicSeries.Count == 0)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No history for this topic",
                detail: $"No readings of topic {request.Topic} are stored.");
        }

        if (request.Metric is { } name && !topicSeries.Any(s => s.Metric == name))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No history for this metric",
                detail: $"Topic {request.Topic} has no metric {name}; its metrics: {Names(topicSeries)}.");
        }

        return null;
    }

    private static string Names(IEnumerable<HistorySeriesInfo> series) => string.Join(", ", series.Select(s => s.Metric));

    /// <summary>"home_sensor1_temperature.csv": the topic and metric with anything but letters, digits, - and . made _.</summary>
    internal static string FileName(string topic, string? metric)
    {
        var name = new StringBuilder();
        foreach (var c in metric is null ? topic : $"{topic}_{metric}")
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_');
        }

        return $"{name.ToString().Trim('_', '.')}.csv";
    }
}
