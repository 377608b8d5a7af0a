using Dashboard.History;
using Dashboard.History.PostgreSql;
using Dashboard.IntegrationTests.Infrastructure;
using Dashboard.ScaleOut;
using Dashboard.Storage;
using Dashboard.Storage.PostgreSql;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Dashboard.IntegrationTests.PostgreSql;

/// <summary>The history writer's PostgreSQL path and its retention by day partitions, on a real server, with a clock the test sets.</summary>
public sealed class PostgreSqlHistoryTests(PostgreSqlServer server) : IClassFixture<PostgreSqlServer>
{
    private static readonly DateTimeOffset Noon = new(2026, 1, 10, 12, 0, 0, TimeSpan.Zero);

    private readonly SettableClock _clock = new(Noon);

    [Fact]
    public async Task Readings_land_in_day_partitions_and_retention_drops_the_expired_days_whole()
    {
        var database = await MigratedDatabaseAsync();
        var retention = Retention(database);
        await retention.RunPostgreSqlAsync(database, CancellationToken.None); // creates 9 to 13 January
        var series = new SeriesHandle("lab/fridge/temperature", "temperature", "lab/fridge");
        using (var store = PostgreSqlHistoryStore.Open(database))
        {
            var written = store.Write([
                Reading(series, Noon.AddHours(-23), 4.0),
                Reading(series, Noon, 5.0),
                Reading(series, Noon, 5.0), // the same millisecond twice: kept once
                Reading(series, Noon.AddDays(-40), 3.0), // before any day partition: the default one
            ]);
            Assert.Equal((3, 1), written);
        }

        Assert.Equal(
            [("Readings_20260110", 5.0), ("Readings_20260109", 4.0), ("Readings_default", 3.0)],
            await RowsAsync(database, """SELECT tableoid::regclass::text, "Value" FROM "Readings" ORDER BY "Time" DESC""", r => (r.GetString(0).Trim('"'), r.GetDouble(1))));
        Assert.Equal([(5.0, 5.0, 1L), (4.0, 4.0, 1L), (3.0, 3.0, 1L)],
            await RowsAsync(database, """SELECT "Min", "Max", "Count" FROM "MinuteRollups" ORDER BY "Bucket" DESC""", r => (r.GetDouble(0), r.GetDouble(1), r.GetInt64(2))));

        _clock.Now = Noon.AddDays(7).AddHours(1); // raw readings are kept 7 days: 9 January has gone, 10 January not yet
        var deleted = await retention.RunPostgreSqlAsync(database, CancellationToken.None);

        Assert.Equal(1, deleted); // the default partition's old row; the expired day went as a whole table
        Assert.Equal([5.0], await RowsAsync(database, """SELECT "Value" FROM "Readings" """, r => r.GetDouble(0)));
        var partitions = await RowsAsync(database, """SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid ORDER BY 1""", r => r.GetString(0));
        Assert.DoesNotContain("Readings_20260109", partitions);
        Assert.Contains("Readings_20260110", partitions);
        Assert.Contains("Readings_20260120", partitions); // the coming days are ready before their readings arrive
        Assert.Equal(3, (await RowsAsync(database, """SELECT 1 FROM "MinuteRollups" """, r => r.GetInt32(0))).Count); // minute rollups are kept 90 days
    }

    [Fact]
    public async Task Two_writers_share_one_series_and_store_a_reading_once()
    {
        var database = await MigratedDatabaseAsync();
        await Retention(database).RunPostgreSqlAsync(database, CancellationToken.None);
        using var first = PostgreSqlHistoryStore.Open(database);
        using var second = PostgreSqlHistoryStore.Open(database); // another dashboard instance
        var (mine, theirs) = (new SeriesHandle("plant/line1/pressure", "pressure", null), new SeriesHandle("plant/line1/pressure", "pressure", "plant/line1"));

        Assert.Equal((1, 0), first.Write([Reading(mine, Noon, 2.5, "bar")]));
        Assert.Equal((1, 1), second.Write([Reading(theirs, Noon, 2.5), Reading(theirs, Noon.AddSeconds(1), 2.6)]));

        Assert.Equal(mine.Id, theirs.Id);
        Assert.Equal([("bar", "plant/line1")], await RowsAsync(database, """SELECT "Unit", "DeviceId" FROM "Series" """, r => (r.GetString(0), r.GetString(1))));
        Assert.Equal([(2L, 5.1)], await RowsAsync(database, """SELECT "Count", "Sum" FROM "HourRollups" """, r => (r.GetInt64(0), Math.Round(r.GetDouble(1), 6))));
    }

    [Fact]
    public async Task Two_readings_timed_at_arrival_in_one_millisecond_through_two_instances_are_both_kept()
    {
        var database = await MigratedDatabaseAsync();
        await Retention(database).RunPostgreSqlAsync(database, CancellationToken.None);
        using var first = PostgreSqlHistoryStore.Open(database);
        using var second = PostgreSqlHistoryStore.Open(database);
        var series = new SeriesHandle("plant/line1/flow", "flow", null);
        var noon = Noon.ToUnixTimeMilliseconds();

        Assert.Equal((1, 0), first.Write([new PendingReading(series, null, 10, noon, AtArrival: true)]));
        Assert.Equal((1, 0), second.Write([new PendingReading(new SeriesHandle("plant/line1/flow", "flow", null), null, 11, noon, AtArrival: true)]));

        Assert.Equal([(noon, 10.0), (noon + 1, 11.0)], await RowsAsync(database, """SELECT "Time", "Value" FROM "Readings" ORDER BY "Time" """, r => (r.GetInt64(0), r.GetDouble(1))));
    }

    [Fact]
    public async Task Two_instances_writing_the_same_series_at_once_lose_no_batch()
    {
        const int Series = 40, Batches = 30;
        var database = await MigratedDatabaseAsync();
        await Retention(database).RunPostgreSqlAsync(database, CancellationToken.None);
        var noon = Noon.ToUnixTimeMilliseconds();

        // Each instance writes every series in every batch, in opposite orders: rows and rollup buckets both ask for locks.
        Task<int> WriteAsync(int instance) => Task.Run(() =>
        {
            using var store = PostgreSqlHistoryStore.Open(database);
            var handles = Enumerable.Range(0, Series).Select(i => new SeriesHandle($"plant/s{i}/flow", "flow", null)).ToArray();
            var order = instance == 0 ? handles : [.. handles.Reverse()];
            var stored = 0;
            for (var batch = 0; batch < Batches; batch++)
            {
                stored += store.Write([.. order.Select(h => new PendingReading(h, null, batch, noon + (batch * 2) + instance))]).Stored;
            }

            return stored;
        });

        var stored = await Task.WhenAll(WriteAsync(0), WriteAsync(1));

        Assert.Equal([Series * Batches, Series * Batches], stored);
        Assert.Equal([2L * Series * Batches], await RowsAsync(database, """SELECT count(*) FROM "Readings" """, r => r.GetInt64(0)));
        Assert.Equal([2L * Series * Batches], await RowsAsync(database, """SELECT sum("Count")::bigint FROM "MinuteRollups" """, r => r.GetInt64(0)));
    }

    private HistoryRetention Retention(string database) => new(
        new DatabaseConnection(StorageProvider.PostgreSQL, database), Options.Create(new HistoryOptions()), _clock, new InstanceElection(null, _clock, null), NullLogger<HistoryRetention>.Instance);

    private static PendingReading Reading(SeriesHandle series, DateTimeOffset time, double value, string? unit = null) =>
        new(series, unit, value, time.ToUnixTimeMilliseconds());

    private async Task<string> MigratedDatabaseAsync()
    {
        var database = await server.CreateDatabaseAsync();
        await using var db = new PostgreSqlDbContext(new DbContextOptionsBuilder<PostgreSqlDbContext>().UseNpgsql(database).Options);
        await db.Database.MigrateAsync();
        return database;
    }

    private static async Task<List<T>> RowsAsync<T>(string database, string sql, Func<NpgsqlDataReader, T> read)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    private sealed class SettableClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
