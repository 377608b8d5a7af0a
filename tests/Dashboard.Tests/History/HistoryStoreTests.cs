using System.Text;
using Dashboard.History;

namespace Dashboard.Tests.History;

/// <summary>The writer's path and the queries over a real SQLite file.</summary>
public sealed class HistoryStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2025, 6, 1, 11, 0, 0, TimeSpan.Zero);
    private readonly HistoryDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task Readings_written_are_read_back_in_time_order()
    {
        _db.Write("home/a/temperature", "temperature", "°C", (T0.AddSeconds(2), 21.5), (T0, 20.5), (T0.AddSeconds(1), 21));

        var series = await _db.SeriesAsync("home/a/temperature", "temperature");
        var data = await _db.Queries.ReadAsync(series, T0.AddMinutes(-5), T0.AddMinutes(5), 100);

        Assert.Equal(("°C", "home/a", HistoryResolution.Raw, TimeSpan.Zero), (series.Unit, series.DeviceId, data.Resolution, data.BucketWidth));
        Assert.Equal([20.5, 21, 21.5], data.Points.Select(p => p.Value));
        Assert.Equal([T0, T0.AddSeconds(1), T0.AddSeconds(2)], data.Points.Select(p => DateTimeOffset.FromUnixTimeMilliseconds(p.Time)));
    }

    [Fact]
    public void Minute_and_hour_rollups_agree_with_the_raw_readings_across_batches()
    {
        var random = new Random(7);
        for (var batch = 0; batch < 5; batch++)
        {
            _db.Write("home/a/power", "power", "W",
                [.. Enumerable.Range(0, 700).Select(i => (T0.AddSeconds(batch * 700 + i), Math.Round(random.NextDouble() * 100, 2)))]);
        }

        foreach (var (table, width) in new[] { ("MinuteRollups", 60_000), ("HourRollups", 3_600_000) })
        {
            var mismatches = _db.Scalar<int>($"""
                SELECT count(*) AS Value FROM (
                    SELECT SeriesId, Time - Time % {width} AS Bucket, min(Value) AS Min, max(Value) AS Max, sum(Value) AS Sum, count(*) AS Count
                    FROM Readings GROUP BY SeriesId, Bucket) r
                FULL JOIN {table} u USING (SeriesId, Bucket)
                WHERE r.Min IS NOT u.Min OR r.Max IS NOT u.Max OR abs(r.Sum - u.Sum) > 1e-6 OR r.Count IS NOT u.Count
                """);
            Assert.Equal(0, mismatches);
        }

        Assert.Equal(3500, _db.Scalar<int>("SELECT sum(Count) AS Value FROM MinuteRollups"));
    }

    [Fact]
    public async Task A_second_reading_of_a_series_in_the_same_millisecond_is_ignored_and_not_counted_in_rollups()
    {
        var result = _db.Write("home/a/temperature", "temperature", null, (T0, 20), (T0, 99), (T0.AddMilliseconds(1), 21));
        var again = _db.Write("home/a/temperature", "temperature", null, (T0, 42));

        Assert.Equal((2, 1), result);
        Assert.Equal((0, 1), again);
        var series = await _db.SeriesAsync("home/a/temperature", "temperature");
        var data = await _db.Queries.ReadAsync(series, T0.AddMinutes(-1), T0.AddMinutes(1), 100);
        Assert.Equal([20.0, 21.0], data.Points.Select(p => p.Value));
        Assert.Equal((2L, 20.0, 21.0), (_db.Scalar<long>("SELECT Count AS Value FROM MinuteRollups"), _db.Scalar<double>("SELECT Min AS Value FROM MinuteRollups"),
            _db.Scalar<double>("SELECT Max AS Value FROM MinuteRollups")));
    }

    [Fact]
    public async Task After_a_restart_a_series_is_found_again_and_a_new_unit_replaces_the_old_one()
    {
        _db.Write("home/a/temperature", "temperature", "°F", (T0, 70));
        _db.Reopen();
        _db.Write("home/a/temperature", "temperature", "°C", (T0.AddSeconds(1), 21));

        var series = Assert.Single(await _db.Queries.SeriesAsync());
        Assert.Equal("°C", series.Unit);
        var data = await _db.Queries.ReadAsync(series, T0.AddMinutes(-1), T0.AddMinutes(1), 100);
        Assert.Equal([70.0, 21.0], data.Points.Select(p => p.Value));
    }

    [Fact]
    public async Task A_long_range_is_read_from_rollups_and_keeps_each_buckets_extremes()
    {
        // Four days at one reading a minute, with one spike: 5760 readings, shown in at most 50 points (about 2 h each).
        var readings = Enumerable.Range(0, 4 * 24 * 60).Select(i => (T0.AddDays(-4).AddMinutes(i), i == 3000 ? 500.0 : 20.0)).ToArray();
        _db.Write("home/a/temperature", "temperature", null, readings);

        var series = await _db.SeriesAsync("home/a/temperature", "temperature");
        var data = await _db.Queries.ReadAsync(series, T0.AddDays(-4), T0, 50);

        Assert.Equal(HistoryResolution.Hour, data.Resolution);
        Assert.True(data.Points.Count <= 50);
        Assert.Equal(500.0, data.Points.Max(p => p.Max));
        Assert.Equal(20.0, data.Points.Min(p => p.Min));
        Assert.Equal(readings.Length, data.Points.Sum(p => p.Count));
    }

    [Fact]
    public async Task Retention_deletes_expired_raw_readings_in_chunks_and_keeps_their_rollups()
    {
        var old = T0 - _db.Options.RawRetention - TimeSpan.FromHours(1);
        _db.Write("home/a/temperature", "temperature", null, [.. Enumerable.Range(0, 5000).Select(i => (old.AddMilliseconds(i * 100), 1.0 + i % 3))]);
        _db.Write("home/a/temperature", "temperature", null, (T0, 25.0));
        _db.Clock.Now = T0;

        var deleted = await _db.Retention().RunAsync(_db.ConnectionString, CancellationToken.None);

        Assert.Equal(5000, deleted);
        Assert.Equal(1, _db.Scalar<int>("SELECT count(*) AS Value FROM Readings"));
        var series = await _db.SeriesAsync("home/a/temperature", "temperature");
        var data = await _db.Queries.ReadAsync(series, old.AddHours(-1), T0, 1000);
        Assert.Equal(HistoryResolution.Minute, data.Resolution);
        Assert.Equal(5001, data.Points.Sum(p => p.Count));
        Assert.Equal((1.0, 25.0), (data.Points.Min(p => p.Min), data.Points.Max(p => p.Max)));
    }

    [Fact]
    public async Task Csv_export_merges_a_topics_metrics_in_time_order_with_quoted_fields()
    {
        _db.Write("home/\"odd\",topic", "temperature", "°C", (T0, 21.5), (T0.AddSeconds(2), 22));
        _db.Write("home/\"odd\",topic", "humidity", "%", (T0.AddSeconds(1), 40), (T0.AddSeconds(3), 41.25));

        var series = await _db.Queries.SeriesOfTopicAsync("home/\"odd\",topic");
        using var output = new MemoryStream();
        await _db.Export.WriteAsync(output, series, null, null, CancellationToken.None);

        Assert.Equal("""
            time,topic,metric,value,unit
            2025-06-01T11:00:00.000Z,"home/""odd"",topic",temperature,21.5,°C
            2025-06-01T11:00:01.000Z,"home/""odd"",topic",humidity,40,%
            2025-06-01T11:00:02.000Z,"home/""odd"",topic",temperature,22,°C
            2025-06-01T11:00:03.000Z,"home/""odd"",topic",humidity,41.25,%

            """.ReplaceLineEndings("\r\n"), Encoding.UTF8.GetString(output.ToArray()));
    }

    [Fact]
    public async Task Csv_export_keeps_to_the_range_asked()
    {
        _db.Write("t", "v", null, (T0, 1), (T0.AddSeconds(1), 2), (T0.AddSeconds(2), 3));

        using var output = new MemoryStream();
        await _db.Export.WriteAsync(output, await _db.Queries.SeriesOfTopicAsync("t"), T0.AddSeconds(1), T0.AddSeconds(1), CancellationToken.None);

        Assert.Equal(["time,topic,metric,value,unit", "2025-06-01T11:00:01.000Z,t,v,2,"], Encoding.UTF8.GetString(output.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries));
    }
}
