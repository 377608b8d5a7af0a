using System.Globalization;
using System.Net;
using Dashboard.Ingestion;
using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.IntegrationTests.History;

/// <summary>A payload's own time is used only within Ingestion:PayloadTimeWindow of its arrival; the others are counted.</summary>
public sealed class PayloadTimeTests
{
    [Fact]
    public async Task Readings_stamped_far_from_now_are_stored_at_their_arrival_and_counted_while_a_near_time_is_kept()
    {
        await using var app = await DashboardApp.StartAsync();
        var device = $"clock/{Guid.NewGuid():N}";
        var nearTime = DateTimeOffset.UtcNow.AddHours(-2);
        var nextYear = DateTimeOffset.UtcNow.AddYears(1);
        var before = DateTimeOffset.UtcNow;

        // What a device whose clock was never set (or runs ahead) sends, with mosquitto_pub as a shell script would.
        await PublishAsync(app, $"{device}/unset", """{"temperature": 20.5, "ts": 1000000000}"""); // 2001-09-09
        await PublishAsync(app, $"{device}/ahead", $$"""{"temperature": 21.5, "ts": {{nextYear.ToUnixTimeSeconds()}}}""");
        await PublishAsync(app, $"{device}/buffered", $$"""{"temperature": 22.5, "ts": {{nearTime.ToUnixTimeSeconds()}}}""");

        var unset = await StoredTimeAsync(app, $"{device}/unset");
        var ahead = await StoredTimeAsync(app, $"{device}/ahead");
        var buffered = await StoredTimeAsync(app, $"{device}/buffered");
        var after = DateTimeOffset.UtcNow;

        Assert.InRange(unset, before.AddSeconds(-1), after);
        Assert.InRange(ahead, before.AddSeconds(-1), after);
        Assert.Equal(nearTime.ToUnixTimeSeconds(), buffered.ToUnixTimeSeconds());
        Assert.Equal(2, app.Services.GetRequiredService<IngestionStats>().PayloadTimesIgnored);
    }

    [Fact]
    public async Task The_window_is_configurable()
    {
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?> { ["Ingestion:PayloadTimeWindow"] = "00:30:00" });
        var topic = $"clock/{Guid.NewGuid():N}/buffered";
        var before = DateTimeOffset.UtcNow;

        await PublishAsync(app, topic, $$"""{"temperature": 22.5, "ts": {{DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeSeconds()}}}""");

        Assert.InRange(await StoredTimeAsync(app, topic), before.AddSeconds(-1), DateTimeOffset.UtcNow);
        Assert.Equal(1, app.Services.GetRequiredService<IngestionStats>().PayloadTimesIgnored);
    }

    private static async Task PublishAsync(DashboardApp app, string topic, string payload)
    {
        var (exitCode, output) = await ExternalProcess.RunAsync("mosquitto_pub",
            ["-h", "127.0.0.1", "-p", app.MqttPort.ToString(CultureInfo.InvariantCulture), "-q", "1", "-t", topic, "-m", payload]);
        Assert.True(exitCode == 0, output);
    }

    /// <summary>The time the topic's one reading was stored at, from the CSV export.</summary>
    private static async Task<DateTimeOffset> StoredTimeAsync(DashboardApp app, string topic)
    {
        using var http = app.CreateHttpClient();
        string[] rows = [];
        await DashboardApp.WaitUntilAsync(async () =>
        {
            using var response = await http.GetAsync($"api/readings.csv?topic={Uri.EscapeDataString(topic)}");
            rows = response.StatusCode == HttpStatusCode.OK ? (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries) : [];
            return rows.Length == 2;
        }, $"the reading of {topic} to be stored");
        return DateTimeOffset.Parse(rows[1].Split(',')[0], CultureInfo.InvariantCulture);
    }
}
