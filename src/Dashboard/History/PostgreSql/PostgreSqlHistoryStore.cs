using Npgsql;
using NpgsqlTypes;

namespace Dashboard.History.PostgreSql;

/// <summary>
/// The history writer's connection to PostgreSQL: a batch is one transaction of a few statements, whatever its size —
/// the readings go in as three arrays through <c>unnest</c>, the rollups likewise. Several dashboard instances may write
/// at once: series are found or created by one upsert, readings are kept once per (series, millisecond), and rollups
/// count only the readings this batch actually inserted (<c>RETURNING</c>). Rows are written in (series, time) order, so
/// two instances' batches do not deadlock on them; a batch that meets a deadlock anyway (a new series created by both)
/// goes again instead of being dropped.
/// </summary>
internal sealed class PostgreSqlHistoryStore : IHistoryStore
{
    private readonly NpgsqlConnection _connection;
    private readonly RollupBuckets _minutes = new(HistoryStore.MinuteMs);
    private readonly RollupBuckets _hours = new(HistoryStore.HourMs);
    private readonly List<SeriesHandle> _resolvedInBatch = [];
    private readonly HashSet<(int Series, long Time)> _inserted = [];

    /// <summary>Tries of a batch that met a deadlock with another instance's.</summary>
    private const int MaxAttempts = 5;

    /// <summary>Milliseconds a reading timed at its arrival moves on when each is taken by another instance's reading.</summary>
    private const int MaxNudges = 8;

    private PostgreSqlHistoryStore(NpgsqlConnection connection) => _connection = connection;

    public static PostgreSqlHistoryStore Open(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        return new PostgreSqlHistoryStore(connection);
    }

    public (int Stored, int Duplicates) Write(ReadOnlySpan<PendingReading> batch)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return TryWrite(batch);
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure && attempt < MaxAttempts)
            {
                // Another instance's batch held rows this one needed: PostgreSQL rolled this one back; it goes again whole,
                // after a moment that differs between instances, so the two do not meet again in step.
                Thread.Sleep(Random.Shared.Next(5, 25) * attempt);
            }
        }
    }

    private (int Stored, int Duplicates) TryWrite(ReadOnlySpan<PendingReading> batch)
    {
        _resolvedInBatch.Clear();
        _minutes.Clear();
        _hours.Clear();
        var readings = new (int Series, long Time, double Value, bool AtArrival)[batch.Length];
        using var transaction = _connection.BeginTransaction();
        try
        {
            // Series rows too are taken in one order (topic, metric) on every instance.
            var toUpsert = new SortedDictionary<(string Topic, string Metric), (SeriesHandle Series, string? Unit)>(TopicMetricOrder.Instance);
            foreach (var reading in batch)
            {
                if (reading.Series.Id == 0 || (reading.Unit is not null && reading.Unit != reading.Series.StoredUnit))
                {
                    var key = (reading.Series.Topic, reading.Series.Metric);
                    toUpsert[key] = (reading.Series, reading.Unit ?? (toUpsert.TryGetValue(key, out var seen) ? seen.Unit : null));
                }
            }

            foreach (var (series, unit) in toUpsert.Values)
            {
                Upsert(series, unit);
            }

            for (var i = 0; i < batch.Length; i++)
            {
                var reading = batch[i];
                readings[i] = (reading.Series.Id, reading.Time, reading.Value, reading.AtArrival);
            }

            // Rows in one order on every instance, so two batches never wait on each other's rows in a cycle.
            Array.Sort(readings, (a, b) => a.Series != b.Series ? a.Series.CompareTo(b.Series) : a.Time.CompareTo(b.Time));
            var stored = Insert(readings, transaction);
            for (var round = 0; round < MaxNudges; round++)
            {
                // A reading timed at its arrival that found its millisecond taken came at that moment through another
                // instance: both are kept, this one a millisecond later, as one instance does with two in one millisecond.
                var taken = readings.Where(r => r.AtArrival && !_inserted.Contains((r.Series, r.Time))).Select(r => r with { Time = r.Time + 1 }).ToArray();
                if (taken.Length == 0)
                {
                    break;
                }

                readings = taken;
                stored += Insert(readings, transaction);
            }

            Merge("MinuteRollups", _minutes, transaction);
            Merge("HourRollups", _hours, transaction);
            transaction.Commit();
            return (stored, batch.Length - stored);
        }
        catch
        {
            // Series rows created in this transaction are gone with it: find or create them again next time.
            foreach (var handle in _resolvedInBatch)
            {
                handle.Id = 0;
                handle.StoredUnit = null;
            }

            throw;
        }
    }

    /// <summary>Inserts the readings whose (series, millisecond) is free, and adds them to the rollups; <see cref="_inserted"/> holds them after.</summary>
    private int Insert((int Series, long Time, double Value, bool AtArrival)[] readings, NpgsqlTransaction transaction)
    {
        _inserted.Clear();
        using var insert = new NpgsqlCommand("""
            INSERT INTO "Readings" ("SeriesId", "Time", "Value")
            SELECT * FROM unnest(@series, @times, @values)
            ON CONFLICT DO NOTHING
            RETURNING "SeriesId", "Time", "Value"
            """, _connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter<int[]>("series", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = [.. readings.Select(r => r.Series)] });
        insert.Parameters.Add(new NpgsqlParameter<long[]>("times", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = [.. readings.Select(r => r.Time)] });
        insert.Parameters.Add(new NpgsqlParameter<double[]>("values", NpgsqlDbType.Array | NpgsqlDbType.Double) { TypedValue = [.. readings.Select(r => r.Value)] });
        using var inserted = insert.ExecuteReader();
        while (inserted.Read())
        {
            var (id, time, value) = (inserted.GetInt32(0), inserted.GetInt64(1), inserted.GetDouble(2));
            _minutes.Add(id, time, value);
            _hours.Add(id, time, value);
            _inserted.Add((id, time));
        }

        return _inserted.Count;
    }

    public void Dispose() => _connection.Dispose();

    /// <summary>Finds or creates the series row, bringing its unit and device up to date (as SQLite's store does in two steps).</summary>
    private void Upsert(SeriesHandle series, string? unit)
    {
        if (series.Id == 0)
        {
            _resolvedInBatch.Add(series);
        }

        using var command = new NpgsqlCommand("""
            INSERT INTO "Series" ("Topic", "Metric", "Unit", "DeviceId") VALUES (@topic, @metric, @unit, @device)
            ON CONFLICT ("Topic", "Metric") DO UPDATE SET
                "Unit" = coalesce(excluded."Unit", "Series"."Unit"), "DeviceId" = coalesce(excluded."DeviceId", "Series"."DeviceId")
            RETURNING "Id", "Unit"
            """, _connection);
        command.Parameters.AddWithValue("topic", series.Topic);
        command.Parameters.AddWithValue("metric", series.Metric);
        command.Parameters.AddWithValue("unit", NpgsqlDbType.Text, (object?)unit ?? DBNull.Value);
        command.Parameters.AddWithValue("device", NpgsqlDbType.Text, (object?)series.DeviceId ?? DBNull.Value);
        using var reader = command.ExecuteReader();
        reader.Read();
        series.Id = reader.GetInt32(0);
        series.StoredUnit = reader.IsDBNull(1) ? null : reader.GetString(1);
    }

    private void Merge(string table, RollupBuckets buckets, NpgsqlTransaction transaction)
    {
        if (buckets.Count == 0)
        {
            return;
        }

        var (series, starts, min, max, sum, count) = (new int[buckets.Count], new long[buckets.Count], new double[buckets.Count],
            new double[buckets.Count], new double[buckets.Count], new long[buckets.Count]);
        var i = 0;
        foreach (var ((id, bucket), aggregate) in buckets.OrderBy(b => b.Key)) // one lock order on every instance
        {
            (series[i], starts[i], min[i], max[i], sum[i], count[i]) = (id, bucket, aggregate.Min, aggregate.Max, aggregate.Sum, aggregate.Count);
            i++;
        }

        using var command = new NpgsqlCommand($"""
            INSERT INTO "{table}" ("SeriesId", "Bucket", "Min", "Max", "Sum", "Count")
            SELECT * FROM unnest(@series, @buckets, @min, @max, @sum, @count)
            ON CONFLICT ("SeriesId", "Bucket") DO UPDATE SET
                "Min" = least("{table}"."Min", excluded."Min"), "Max" = greatest("{table}"."Max", excluded."Max"),
                "Sum" = "{table}"."Sum" + excluded."Sum", "Count" = "{table}"."Count" + excluded."Count"
            """, _connection, transaction);
        command.Parameters.AddWithValue("series", series);
        command.Parameters.AddWithValue("buckets", starts);
        command.Parameters.AddWithValue("min", min);
        command.Parameters.AddWithValue("max", max);
        command.Parameters.AddWithValue("sum", sum);
        command.Parameters.AddWithValue("count", count);
        command.ExecuteNonQuery();
    }
}

/// <summary>Series in the order their rows are locked: topic, then metric, ordinally.</summary>
internal sealed class TopicMetricOrder : IComparer<(string Topic, string Metric)>
{
    public static readonly TopicMetricOrder Instance = new();

    public int Compare((string Topic, string Metric) x, (string Topic, string Metric) y)
    {
        var topic = string.CompareOrdinal(x.Topic, y.Topic);
        return topic != 0 ? topic : string.CompareOrdinal(x.Metric, y.Metric);
    }
}
