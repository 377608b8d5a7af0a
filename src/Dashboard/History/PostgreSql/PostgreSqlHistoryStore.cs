using Npgsql;
using NpgsqlTypes;

namespace Dashboard.History.PostgreSql;

/// <summary>
/// The history writer's connection to PostgreSQL: a batch is one transaction of a few statements, whatever its size —
/// the readings go in as three arrays through <c>unnest</c>, the rollups likewise. Several dashboard instances may write
/// at once: series are found or created by one upsert, readings are kept once per (series, millisecond), and rollups
/// count only the readings this batch actually inserted (<c>RETURNING</c>).
/// </summary>
internal sealed class PostgreSqlHistoryStore : IHistoryStore
{
    private readonly NpgsqlConnection _connection;
    private readonly RollupBuckets _minutes = new(HistoryStore.MinuteMs);
    private readonly RollupBuckets _hours = new(HistoryStore.HourMs);
    private readonly List<SeriesHandle> _resolvedInBatch = [];

    private PostgreSqlHistoryStore(NpgsqlConnection connection) => _connection = connection;

    public static PostgreSqlHistoryStore Open(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        return new PostgreSqlHistoryStore(connection);
    }

    public (int Stored, int Duplicates) Write(ReadOnlySpan<PendingReading> batch)
    {
        _resolvedInBatch.Clear();
        _minutes.Clear();
        _hours.Clear();
        var series = new int[batch.Length];
        var times = new long[batch.Length];
        var values = new double[batch.Length];
        using var transaction = _connection.BeginTransaction();
        try
        {
            for (var i = 0; i < batch.Length; i++)
            {
                var reading = batch[i];
                if (reading.Series.Id == 0 || (reading.Unit is not null && reading.Unit != reading.Series.StoredUnit))
                {
                    Upsert(reading.Series, reading.Unit);
                }

                (series[i], times[i], values[i]) = (reading.Series.Id, reading.Time, reading.Value);
            }

            var stored = 0;
            using (var insert = new NpgsqlCommand("""
                INSERT INTO "Readings" ("SeriesId", "Time", "Value")
                SELECT * FROM unnest(@series, @times, @values)
                ON CONFLICT DO NOTHING
                RETURNING "SeriesId", "Time", "Value"
                """, _connection, transaction))
            {
                insert.Parameters.Add(new NpgsqlParameter<int[]>("series", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = series });
                insert.Parameters.Add(new NpgsqlParameter<long[]>("times", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = times });
                insert.Parameters.Add(new NpgsqlParameter<double[]>("values", NpgsqlDbType.Array | NpgsqlDbType.Double) { TypedValue = values });
                using var inserted = insert.ExecuteReader();
                while (inserted.Read())
                {
                    var (id, time, value) = (inserted.GetInt32(0), inserted.GetInt64(1), inserted.GetDouble(2));
                    _minutes.Add(id, time, value);
                    _hours.Add(id, time, value);
                    stored++;
                }
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
        foreach (var ((id, bucket), aggregate) in buckets)
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
