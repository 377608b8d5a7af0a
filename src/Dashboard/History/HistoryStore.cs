using Microsoft.Data.Sqlite;

namespace Dashboard.History;

/// <summary>
/// The writer's own connection to the SQLite database and its prepared statements, reused batch after batch: one
/// transaction per batch, one execution per reading. EF Core owns the schema and the queries; for the insert path
/// a prepared <see cref="SqliteCommand"/> is several times faster than tracking an entity per reading.
/// </summary>
/// <remarks>
/// A series keeps one reading per millisecond: <c>INSERT OR IGNORE</c> keeps the first, so a redelivered reading with
/// its own timestamp does not count twice (readings timestamped on arrival never collide: <see cref="HistoryRecorder"/>
/// spaces them a millisecond apart). The minute and hour rollups are
/// upserted in the same transaction from the readings actually inserted, so they always agree with the raw rows.
/// </remarks>
internal sealed class HistoryStore : IHistoryStore
{
    public const long MinuteMs = 60_000;
    public const long HourMs = 3_600_000;

    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insertReading;
    private readonly SqliteParameter _readingSeries;
    private readonly SqliteParameter _readingTime;
    private readonly SqliteParameter _readingValue;
    private readonly Rollup _minutes;
    private readonly Rollup _hours;
    private readonly SqliteCommand _findSeries;
    private readonly SqliteCommand _insertSeries;
    private readonly SqliteCommand _updateUnit;
    private readonly List<SeriesHandle> _resolvedInBatch = [];

    private HistoryStore(SqliteConnection connection)
    {
        _connection = connection;
        _insertReading = Prepare("INSERT OR IGNORE INTO Readings (SeriesId, Time, Value) VALUES ($series, $time, $value)");
        _readingSeries = _insertReading.Parameters.Add("$series", SqliteType.Integer);
        _readingTime = _insertReading.Parameters.Add("$time", SqliteType.Integer);
        _readingValue = _insertReading.Parameters.Add("$value", SqliteType.Real);
        _minutes = new Rollup(this, "MinuteRollups", MinuteMs);
        _hours = new Rollup(this, "HourRollups", HourMs);
        _findSeries = Prepare("SELECT Id, Unit FROM Series WHERE Topic = $topic AND Metric = $metric");
        _findSeries.Parameters.Add("$topic", SqliteType.Text);
        _findSeries.Parameters.Add("$metric", SqliteType.Text);
        _insertSeries = Prepare("INSERT INTO Series (Topic, Metric, Unit, DeviceId) VALUES ($topic, $metric, $unit, $device) RETURNING Id");
        _insertSeries.Parameters.Add("$topic", SqliteType.Text);
        _insertSeries.Parameters.Add("$metric", SqliteType.Text);
        _insertSeries.Parameters.Add("$unit", SqliteType.Text);
        _insertSeries.Parameters.Add("$device", SqliteType.Text);
        _updateUnit = Prepare("UPDATE Series SET Unit = $unit, DeviceId = coalesce($device, DeviceId) WHERE Id = $id");
        _updateUnit.Parameters.Add("$unit", SqliteType.Text);
        _updateUnit.Parameters.Add("$device", SqliteType.Text);
        _updateUnit.Parameters.Add("$id", SqliteType.Integer);
    }

    /// <summary>Opens the database (migrated already) with the writer's settings.</summary>
    public static HistoryStore Open(string connectionString)
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        using (var pragmas = connection.CreateCommand())
        {
            // WAL (set at migration) makes synchronous=NORMAL safe: a crash loses at most the last commits, never the file.
            // 16 MiB of page cache keeps the hot b-tree pages of many series in memory between batches. Each batch
            // rewrites the last page of every series it touches; checkpointing every 10,000 WAL pages (~40 MiB) instead
            // of SQLite's 1,000 copies each hot page once per many batches, not once per batch (2× the readings/s with
            // 800 series), and the WAL file is cut back to 64 MiB after a checkpoint if it grew past that.
            pragmas.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000; PRAGMA cache_size=-16384; " +
                "PRAGMA wal_autocheckpoint=10000; PRAGMA journal_size_limit=67108864;";
            pragmas.ExecuteNonQuery();
        }

        return new HistoryStore(connection);
    }

    /// <summary>Writes the readings in one transaction; returns how many were stored and how many were duplicates.</summary>
    public (int Stored, int Duplicates) Write(ReadOnlySpan<PendingReading> batch)
    {
        var stored = 0;
        _resolvedInBatch.Clear();
        _minutes.Clear();
        _hours.Clear();
        using var transaction = _connection.BeginTransaction();
        try
        {
            foreach (var command in (ReadOnlySpan<SqliteCommand>)[_insertReading, _findSeries, _insertSeries, _updateUnit, _minutes.Command, _hours.Command])
            {
                command.Transaction = transaction;
            }

            foreach (ref readonly var reading in batch)
            {
                var series = reading.Series;
                if (series.Id == 0)
                {
                    Resolve(series, reading.Unit);
                }
                else if (reading.Unit is not null && reading.Unit != series.StoredUnit)
                {
                    UpdateSeries(series, reading.Unit);
                }

                _readingSeries.Value = series.Id;
                _readingTime.Value = reading.Time;
                _readingValue.Value = reading.Value;
                if (_insertReading.ExecuteNonQuery() == 0)
                {
                    continue;
                }

                stored++;
                _minutes.Add(series.Id, reading.Time, reading.Value);
                _hours.Add(series.Id, reading.Time, reading.Value);
            }

            _minutes.Save();
            _hours.Save();
            transaction.Commit();
        }
        catch
        {
            // Series rows created in this transaction are gone with it: find or create them again next time.
            foreach (var series in _resolvedInBatch)
            {
                series.Id = 0;
                series.StoredUnit = null;
            }

            throw;
        }

        return (stored, batch.Length - stored);
    }

    public void Dispose()
    {
        foreach (var command in (ReadOnlySpan<SqliteCommand>)[_insertReading, _findSeries, _insertSeries, _updateUnit, _minutes.Command, _hours.Command])
        {
            command.Dispose();
        }

        _connection.Dispose();
    }

    private void Resolve(SeriesHandle series, string? unit)
    {
        _resolvedInBatch.Add(series);
        _findSeries.Parameters[0].Value = series.Topic;
        _findSeries.Parameters[1].Value = series.Metric;
        using (var reader = _findSeries.ExecuteReader())
        {
            if (reader.Read())
            {
                series.Id = reader.GetInt32(0);
                series.StoredUnit = reader.IsDBNull(1) ? null : reader.GetString(1);
            }
        }

        if (series.Id != 0)
        {
            // Known from an earlier run: the device may have been resolved differently since, and the unit may have changed.
            UpdateSeries(series, unit ?? series.StoredUnit);
            return;
        }

        _insertSeries.Parameters[0].Value = series.Topic;
        _insertSeries.Parameters[1].Value = series.Metric;
        _insertSeries.Parameters[2].Value = (object?)unit ?? DBNull.Value;
        _insertSeries.Parameters[3].Value = (object?)series.DeviceId ?? DBNull.Value;
        series.Id = Convert.ToInt32(_insertSeries.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        series.StoredUnit = unit;
    }

    private void UpdateSeries(SeriesHandle series, string? unit)
    {
        _updateUnit.Parameters[0].Value = (object?)unit ?? DBNull.Value;
        _updateUnit.Parameters[1].Value = (object?)series.DeviceId ?? DBNull.Value;
        _updateUnit.Parameters[2].Value = series.Id;
        _updateUnit.ExecuteNonQuery();
        series.StoredUnit = unit;
    }

    private SqliteCommand Prepare(string sql)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    /// <summary>The batch's readings summed per (series, bucket), then merged into the rollup table with one upsert per bucket.</summary>
    private sealed class Rollup
    {
        private readonly RollupBuckets _buckets;
        private readonly SqliteParameter _series;
        private readonly SqliteParameter _bucket;
        private readonly SqliteParameter _min;
        private readonly SqliteParameter _max;
        private readonly SqliteParameter _sum;
        private readonly SqliteParameter _count;

        public Rollup(HistoryStore store, string table, long width)
        {
            _buckets = new RollupBuckets(width);
            Command = store.Prepare($"""
                INSERT INTO {table} (SeriesId, Bucket, Min, Max, Sum, Count) VALUES ($series, $bucket, $min, $max, $sum, $count)
                ON CONFLICT (SeriesId, Bucket) DO UPDATE SET
                    Min = min(Min, excluded.Min), Max = max(Max, excluded.Max), Sum = Sum + excluded.Sum, Count = Count + excluded.Count
                """);
            _series = Command.Parameters.Add("$series", SqliteType.Integer);
            _bucket = Command.Parameters.Add("$bucket", SqliteType.Integer);
            _min = Command.Parameters.Add("$min", SqliteType.Real);
            _max = Command.Parameters.Add("$max", SqliteType.Real);
            _sum = Command.Parameters.Add("$sum", SqliteType.Real);
            _count = Command.Parameters.Add("$count", SqliteType.Integer);
        }

        public SqliteCommand Command { get; }

        public void Clear() => _buckets.Clear();

        public void Add(int series, long time, double value) => _buckets.Add(series, time, value);

        public void Save()
        {
            foreach (var ((series, bucket), aggregate) in _buckets)
            {
                _series.Value = series;
                _bucket.Value = bucket;
                _min.Value = aggregate.Min;
                _max.Value = aggregate.Max;
                _sum.Value = aggregate.Sum;
                _count.Value = aggregate.Count;
                Command.ExecuteNonQuery();
            }
        }
    }

    /// <summary>The start of the bucket of <paramref name="width"/> that holds <paramref name="time"/> (also before 1970).</summary>
    public static long BucketStart(long time, long width) => time - (((time % width) + width) % width);
}
