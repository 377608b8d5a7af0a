using System.Globalization;
using System.Text;
using Dashboard.Storage;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Dashboard.History;

/// <summary>
/// Writes raw readings as CSV (<c>time,topic,metric,value,unit</c>), streamed: the series' readings are read in time
/// order and merged as they come, so a 10-million-row export holds a few rows in memory, not the file.
/// </summary>
public sealed class HistoryCsvExport(DatabaseConnection database)
{
    public const string Header = "time,topic,metric,value,unit\r\n";

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public async Task WriteAsync(Stream output, IReadOnlyList<HistorySeriesInfo> series, DateTimeOffset? from, DateTimeOffset? to,
        CancellationToken cancellationToken)
    {
        var (start, end) = (from?.ToUnixTimeMilliseconds() ?? long.MinValue, to?.ToUnixTimeMilliseconds() ?? long.MaxValue);
        await using var writer = new StreamWriter(output, Utf8, bufferSize: 64 * 1024, leaveOpen: true);
        await writer.WriteAsync(Header);

        if (database.Provider == StorageProvider.PostgreSQL)
        {
            await WritePostgreSqlAsync(writer, series, start, end, cancellationToken);
            return;
        }

        await using var connection = new SqliteConnection(database.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        // One read transaction for all series, so they are read from the same snapshot while the writer carries on.
        using var transaction = connection.BeginTransaction(deferred: true);
        var cursors = new List<Cursor>(series.Count);
        try
        {
            var queue = new PriorityQueue<Cursor, (long Time, int Index)>();
            for (var i = 0; i < series.Count; i++)
            {
                var cursor = Cursor.Open(connection, transaction, series[i], start, end);
                cursors.Add(cursor);
                if (cursor.Next())
                {
                    queue.Enqueue(cursor, (cursor.Time, i));
                }
            }

            var row = new char[256];
            while (queue.TryDequeue(out var cursor, out var key))
            {
                cancellationToken.ThrowIfCancellationRequested();
                await writer.WriteAsync(cursor.FormatRow(ref row), cancellationToken);
                if (cursor.Next())
                {
                    queue.Enqueue(cursor, (cursor.Time, key.Index));
                }
            }
        }
        finally
        {
            foreach (var cursor in cursors)
            {
                cursor.Dispose();
            }
        }
    }

    /// <summary>On PostgreSQL one query merges the series in time order (a connection reads one result at a time there).</summary>
    private async Task WritePostgreSqlAsync(StreamWriter writer, IReadOnlyList<HistorySeriesInfo> series, long start, long end,
        CancellationToken cancellationToken)
    {
        var fields = series.Select(s => (Topic: Csv.Field(s.Topic), Metric: Csv.Field(s.Metric), Unit: Csv.Field(s.Unit))).ToArray();
        var ids = series.Select(s => s.Id).ToArray();
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT array_position(@ids, "SeriesId") - 1, "Time", "Value" FROM "Readings"
            WHERE "SeriesId" = ANY(@ids) AND "Time" >= @start AND "Time" <= @end
            ORDER BY "Time", array_position(@ids, "SeriesId")
            """, connection);
        command.Parameters.AddWithValue("ids", ids);
        command.Parameters.AddWithValue("start", start);
        command.Parameters.AddWithValue("end", end);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var row = new char[256];
        while (await reader.ReadAsync(cancellationToken))
        {
            var (topic, metric, unit) = fields[reader.GetInt32(0)];
            await writer.WriteAsync(FormatRow(ref row, reader.GetInt64(1), reader.GetDouble(2), topic, metric, unit), cancellationToken);
        }
    }

    /// <summary>A reading as a CSV line, in <paramref name="buffer"/> (grown if a long topic needs it); the text fields are escaped already.</summary>
    private static ReadOnlyMemory<char> FormatRow(ref char[] buffer, long time, double value, string topic, string metric, string unit)
    {
        var needed = 32 + 32 + topic.Length + metric.Length + unit.Length + 6;
        if (buffer.Length < needed)
        {
            buffer = new char[needed];
        }

        var span = buffer.AsSpan();
        DateTimeOffset.FromUnixTimeMilliseconds(time).UtcDateTime.TryFormat(span, out var n, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var length = n;
        Append(span, ref length, ',');
        Append(span, ref length, topic);
        Append(span, ref length, ',');
        Append(span, ref length, metric);
        Append(span, ref length, ',');
        value.TryFormat(span[length..], out n, provider: CultureInfo.InvariantCulture);
        length += n;
        Append(span, ref length, ',');
        Append(span, ref length, unit);
        Append(span, ref length, "\r\n");
        return buffer.AsMemory(0, length);
    }

    private static void Append(Span<char> span, ref int length, ReadOnlySpan<char> text)
    {
        text.CopyTo(span[length..]);
        length += text.Length;
    }

    private static void Append(Span<char> span, ref int length, char c) => span[length++] = c;

    /// <summary>One series' readings in time order, with its topic, metric and unit already escaped.</summary>
    private sealed class Cursor : IDisposable
    {
        private readonly SqliteCommand _command;
        private readonly SqliteDataReader _reader;
        private readonly string _topic;
        private readonly string _metric;
        private readonly string _unit;

        private Cursor(SqliteCommand command, HistorySeriesInfo series)
        {
            _command = command;
            _reader = command.ExecuteReader();
            _topic = Csv.Field(series.Topic);
            _metric = Csv.Field(series.Metric);
            _unit = Csv.Field(series.Unit);
        }

        public long Time { get; private set; }

        private double Value { get; set; }

        public static Cursor Open(SqliteConnection connection, SqliteTransaction transaction, HistorySeriesInfo series, long start, long end)
        {
            var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "SELECT Time, Value FROM Readings WHERE SeriesId = $series AND Time >= $start AND Time <= $end ORDER BY Time";
            command.Parameters.AddWithValue("$series", series.Id);
            command.Parameters.AddWithValue("$start", start);
            command.Parameters.AddWithValue("$end", end);
            return new Cursor(command, series);
        }

        public bool Next()
        {
            if (!_reader.Read())
            {
                return false;
            }

            Time = _reader.GetInt64(0);
            Value = _reader.GetDouble(1);
            return true;
        }

        public ReadOnlyMemory<char> FormatRow(ref char[] buffer) => HistoryCsvExport.FormatRow(ref buffer, Time, Value, _topic, _metric, _unit);

        public void Dispose()
        {
            _reader.Dispose();
            _command.Dispose();
        }
    }
}
