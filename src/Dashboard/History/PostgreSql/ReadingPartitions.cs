using System.Globalization;
using Npgsql;

namespace Dashboard.History.PostgreSql;

/// <summary>
/// On PostgreSQL, <c>Readings</c> is partitioned by range of <c>Time</c>, one partition per UTC day
/// (<c>Readings_20261203</c>), and retention drops whole partitions instead of deleting rows. A reading that falls in no
/// day partition (far in the past or the future) goes to <c>Readings_default</c>, from which retention deletes rows.
/// </summary>
internal static class ReadingPartitions
{
    private const string Prefix = "Readings_";

    /// <summary>Creates the day partitions from <paramref name="from"/> to <paramref name="to"/> that do not exist yet.</summary>
    public static async Task EnsureAsync(NpgsqlConnection connection, DateTimeOffset from, DateTimeOffset to, ILogger logger,
        CancellationToken cancellationToken)
    {
        for (var day = from.UtcDateTime.Date; day <= to.UtcDateTime.Date; day = day.AddDays(1))
        {
            var (start, end) = (Milliseconds(day), Milliseconds(day.AddDays(1)));
            await using var create = new NpgsqlCommand(
                $"""CREATE TABLE IF NOT EXISTS "{Name(day)}" PARTITION OF "Readings" FOR VALUES FROM ({start}) TO ({end})""", connection);
            try
            {
                await create.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.CheckViolation or PostgresErrorCodes.DuplicateTable
                or PostgresErrorCodes.InvalidObjectDefinition)
            {
                // Another instance created it meanwhile, or the default partition already holds readings of that day:
                // they stay there and retention deletes them row by row.
                logger.LogDebug(ex, "Partition {Partition} not created", Name(day));
            }
        }
    }

    /// <summary>Drops the day partitions that end at or before <paramref name="cutoff"/>; returns how many.</summary>
    public static async Task<int> DropBeforeAsync(NpgsqlConnection connection, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var expired = new List<string>();
        await using (var list = new NpgsqlCommand("""
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = '"Readings"'::regclass
            """, connection))
        await using (var reader = await list.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var name = reader.GetString(0);
                if (DateTime.TryParseExact(name.AsSpan(Prefix.Length), "yyyyMMdd", CultureInfo.InvariantCulture,
                        DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var day) && day.AddDays(1) <= cutoff.UtcDateTime)
                {
                    expired.Add(name);
                }
            }
        }

        foreach (var name in expired)
        {
            await using var drop = new NpgsqlCommand($"""DROP TABLE IF EXISTS "{name}" """, connection);
            await drop.ExecuteNonQueryAsync(cancellationToken);
        }

        return expired.Count;
    }

    private static string Name(DateTime day) => Prefix + day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    private static long Milliseconds(DateTime day) => new DateTimeOffset(day, TimeSpan.Zero).ToUnixTimeMilliseconds();
}
