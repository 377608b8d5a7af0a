using Dashboard.History;

namespace Dashboard.Tests.History;

public sealed class ReadingsRequestTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static Dictionary<string, string[]> Errors(string? topic, string? from = null, string? to = null, string? maxPoints = null)
    {
        Assert.Null(ReadingsRequest.Parse(topic, null, from, to, maxPoints, out var errors));
        return errors;
    }

    [Fact]
    public void A_topic_alone_asks_for_the_last_24_hours_in_1000_points()
    {
        var request = ReadingsRequest.Parse("home/a/temperature", "", null, null, null, out _)!;

        Assert.Equal(("home/a/temperature", null, 1000), (request.Topic, request.Metric, request.MaxPoints));
        Assert.Equal((Now.AddHours(-24), Now), request.ChartRange(Now));
    }

    [Fact]
    public void Times_are_read_as_ISO_8601_and_a_time_without_offset_is_UTC()
    {
        var request = ReadingsRequest.Parse("t", "m", "2025-05-31T10:00:00+02:00", "2025-05-31T12:00:00", "50", out _)!;

        Assert.Equal(new DateTimeOffset(2025, 5, 31, 8, 0, 0, TimeSpan.Zero), request.From);
        Assert.Equal(new DateTimeOffset(2025, 5, 31, 12, 0, 0, TimeSpan.Zero), request.To);
        Assert.Equal(TimeSpan.Zero, request.To!.Value.Offset);
        Assert.Equal(("m", 50), (request.Metric, request.MaxPoints));
    }

    [Fact]
    public void Only_from_reaches_24_hours_back_from_now_and_only_to_24_hours_back_from_to()
    {
        var from = ReadingsRequest.Parse("t", null, "2025-06-01T06:00:00Z", null, null, out _)!;
        var to = ReadingsRequest.Parse("t", null, null, "2025-05-30T00:00:00Z", null, out _)!;

        Assert.Equal((Now.AddHours(-6), Now), from.ChartRange(Now));
        Assert.Equal((new DateTimeOffset(2025, 5, 29, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2025, 5, 30, 0, 0, 0, TimeSpan.Zero)), to.ChartRange(Now));
    }

    [Fact]
    public void A_missing_topic_is_refused() => Assert.Contains("topic is required", Errors(null)["topic"][0], StringComparison.Ordinal);

    [Fact]
    public void From_after_to_is_refused() =>
        Assert.Contains("from must not be later than to", Errors("t", "2025-06-02T00:00:00Z", "2025-06-01T00:00:00Z")["from"]);

    [Theory]
    [InlineData("yesterday")]
    [InlineData("2025-13-01T00:00:00Z")]
    [InlineData("1717200000")]
    public void A_time_that_is_not_ISO_8601_is_refused(string time) => Assert.Single(Errors("t", from: time)["from"]);

    [Theory]
    [InlineData("1")]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("10001")]
    [InlineData("many")]
    [InlineData("2.5")]
    public void Max_points_out_of_range_is_refused(string maxPoints) =>
        Assert.Equal("maxPoints must be a whole number from 2 to 10000", Assert.Single(Errors("t", maxPoints: maxPoints)["maxPoints"]));

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        Assert.Equal(["from", "maxPoints", "topic"], Errors(null, "nope", null, "0").Keys.Order());
    }
}
