using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.IntegrationTests.Infrastructure;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.History;

/// <summary>Readings published over MQTT, stored by the real app in its SQLite file, read back through the HTTP API.</summary>
public sealed class HistoryApiTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private DashboardApp App => fixture.App;

    private static string NewTopic(string metric) => $"hist/{Guid.NewGuid():N}/{metric}";

    /// <summary>The series as /api/readings returns it, once it has <paramref name="count"/> points.</summary>
    private static async Task<JsonElement> SeriesWhenStoredAsync(DashboardApp app, string query, int count = 1)
    {
        using var http = app.CreateHttpClient();
        JsonElement series = default;
        await DashboardApp.WaitUntilAsync(async () =>
        {
            using var response = await http.GetAsync($"api/readings?{query}");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return false;
            }

            series = await response.Content.ReadFromJsonAsync<JsonElement>();
            return series.GetProperty("points").GetArrayLength() >= count;
        }, $"{count} stored readings for {query}");
        return series;
    }

    private static string Q(string value) => Uri.EscapeDataString(value);

    [Fact]
    public async Task A_published_reading_is_stored_and_returned_with_its_unit_and_device()
    {
        var topic = NewTopic("temperature");
        await using var device = await TestClient.ConnectAsync(App);

        await device.PublishAsync(topic, "21.5 °C", MqttQualityOfServiceLevel.AtLeastOnce);

        var series = await SeriesWhenStoredAsync(App, $"topic={Q(topic)}");
        Assert.Equal(("temperature", "°C", topic[..topic.LastIndexOf('/')], "raw"),
            (series.GetProperty("metric").GetString(), series.GetProperty("unit").GetString(), series.GetProperty("deviceId").GetString(), series.GetProperty("resolution").GetString()));
        var point = Assert.Single(series.GetProperty("points").EnumerateArray());
        Assert.Equal((21.5, 21.5, 21.5, 1), (point.GetProperty("value").GetDouble(), point.GetProperty("min").GetDouble(), point.GetProperty("max").GetDouble(), point.GetProperty("count").GetInt32()));
        Assert.InRange(point.GetProperty("time").GetDateTimeOffset(), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(1));
    }

    [Fact]
    public async Task Each_metric_of_a_JSON_payload_is_its_own_series_at_the_payloads_own_time()
    {
        var topic = NewTopic("telemetry");
        var time = DateTimeOffset.UtcNow.AddMinutes(-10);
        await using var device = await TestClient.ConnectAsync(App);

        await device.PublishAsync(topic, $$"""{"temperature": 19.25, "humidity": 48, "ts": {{time.ToUnixTimeMilliseconds()}}}""");

        var humidity = await SeriesWhenStoredAsync(App, $"topic={Q(topic)}&metric=humidity&maxPoints=10");
        var point = Assert.Single(humidity.GetProperty("points").EnumerateArray());
        Assert.Equal((48.0, time.ToUnixTimeMilliseconds()), (point.GetProperty("value").GetDouble(), point.GetProperty("time").GetDateTimeOffset().ToUnixTimeMilliseconds()));
        using var http = App.CreateHttpClient();
        using var ambiguous = await http.GetAsync($"api/readings?topic={Q(topic)}");
        Assert.Equal(HttpStatusCode.BadRequest, ambiguous.StatusCode);
        var problem = await ambiguous.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("humidity, temperature", problem.GetProperty("errors").GetProperty("metric")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Many_readings_come_back_downsampled_with_each_buckets_peak()
    {
        var topic = NewTopic("level");
        var start = DateTimeOffset.UtcNow.AddMinutes(-30);
        await using var device = await TestClient.ConnectAsync(App);
        for (var i = 0; i < 300; i++)
        {
            var value = i == 123 ? 1000 : i % 10;
            await device.PublishAsync(topic, $$"""{"value": {{value}}, "ts": {{start.AddSeconds(i).ToUnixTimeMilliseconds()}}}""");
        }

        var from = start.AddMinutes(-1).ToString("O", CultureInfo.InvariantCulture);
        var to = start.AddMinutes(6).ToString("O", CultureInfo.InvariantCulture);
        await SeriesWhenStoredAsync(App, $"topic={Q(topic)}&from={Q(from)}&to={Q(to)}&maxPoints=10000", count: 300);
        var series = await SeriesWhenStoredAsync(App, $"topic={Q(topic)}&from={Q(from)}&to={Q(to)}&maxPoints=20");

        var points = series.GetProperty("points").EnumerateArray().ToList();
        Assert.InRange(points.Count, 2, 20);
        Assert.Equal(1000, points.Max(p => p.GetProperty("max").GetDouble()));
        Assert.Equal(0, points.Min(p => p.GetProperty("min").GetDouble()));
        Assert.Equal(300, points.Sum(p => p.GetProperty("count").GetInt32()));
        Assert.True(series.GetProperty("bucketSeconds").GetDouble() > 0);
    }

    [Fact]
    public async Task Csv_export_streams_the_raw_readings_with_the_topic_quoted()
    {
        var topic = $"hist/{Guid.NewGuid():N}/living room, \"north\"";
        await using var device = await TestClient.ConnectAsync(App);
        await device.PublishAsync(topic, "1.5");
        await device.PublishAsync(topic, "-2");
        await SeriesWhenStoredAsync(App, $"topic={Q(topic)}", count: 2);

        using var http = App.CreateHttpClient();
        using var response = await http.GetAsync($"api/readings.csv?topic={Q(topic)}");

        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("time,topic,metric,value,unit", lines[0]);
        static string Quoted(string field) => $"\"{field.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
        Assert.EndsWith($",{Quoted(topic)},{Quoted("living room, \"north\"")},1.5,", lines[1], StringComparison.Ordinal);
        Assert.EndsWith(",-2,", lines[2], StringComparison.Ordinal);
        Assert.Equal(3, lines.Length);
    }

    [Theory]
    [InlineData("api/readings", "topic")]
    [InlineData("api/readings?topic=a&from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z", "from")]
    [InlineData("api/readings?topic=a&from=last%20tuesday", "from")]
    [InlineData("api/readings?topic=a&maxPoints=1", "maxPoints")]
    [InlineData("api/readings?topic=a&maxPoints=100000", "maxPoints")]
    [InlineData("api/readings.csv?to=soon", "topic")]
    public async Task Bad_parameters_get_a_400_problem_that_names_them(string url, string parameter)
    {
        using var http = App.CreateHttpClient();
        using var response = await http.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _), $"errors should name {parameter}: {problem}");
    }

    [Fact]
    public async Task An_unknown_topic_or_metric_is_a_404_problem()
    {
        var topic = NewTopic("temperature");
        await using var device = await TestClient.ConnectAsync(App);
        await device.PublishAsync(topic, "20");
        await SeriesWhenStoredAsync(App, $"topic={Q(topic)}");
        using var http = App.CreateHttpClient();

        using var unknownTopic = await http.GetAsync($"api/readings?topic={Q(NewTopic("nothing"))}");
        using var unknownMetric = await http.GetAsync($"api/readings.csv?topic={Q(topic)}&metric=pressure");

        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (unknownTopic.StatusCode, unknownMetric.StatusCode));
        var problem = await unknownMetric.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("its metrics: temperature", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
