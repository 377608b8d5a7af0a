using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Dashboard.History;

/// <summary>One (topic, metric) whose readings are stored; its id keys the reading tables.</summary>
internal sealed class SeriesEntity
{
    public int Id { get; set; }
    public string Topic { get; set; } = "";
    public string Metric { get; set; } = "";
    public string? Unit { get; set; }
    public string? DeviceId { get; set; }
}

/// <summary>One stored reading. <see cref="Time"/> is unix milliseconds (UTC): compact rows, plain integer range scans.</summary>
internal sealed class ReadingEntity
{
    public int SeriesId { get; set; }
    public long Time { get; set; }
    public double Value { get; set; }
}

/// <summary>The readings of one series in one minute or hour: <see cref="Bucket"/> is the start, in unix milliseconds.</summary>
internal abstract class RollupEntity
{
    public int SeriesId { get; set; }
    public long Bucket { get; set; }
    public double Min { get; set; }
    public double Max { get; set; }
    public double Sum { get; set; }
    public long Count { get; set; }
}

internal sealed class MinuteRollupEntity : RollupEntity;

internal sealed class HourRollupEntity : RollupEntity;

/// <summary>
/// Table and column names here are what <see cref="HistoryStore"/>'s SQL uses. The reading tables are created
/// WITHOUT ROWID by hand in the History migration (EF Core cannot say so): their primary key is the row, so a
/// reading costs no second index and a (series, time range) read is one b-tree range. No foreign keys: they would
/// be checked on every insert, and series are never deleted.
/// </summary>
internal sealed class HistoryEntitiesConfiguration :
    IEntityTypeConfiguration<SeriesEntity>,
    IEntityTypeConfiguration<ReadingEntity>,
    IEntityTypeConfiguration<MinuteRollupEntity>,
    IEntityTypeConfiguration<HourRollupEntity>
{
    public void Configure(EntityTypeBuilder<SeriesEntity> builder)
    {
        builder.ToTable("Series");
        builder.HasKey(s => s.Id);
        builder.HasIndex(s => new { s.Topic, s.Metric }).IsUnique();
    }

    public void Configure(EntityTypeBuilder<ReadingEntity> builder)
    {
        builder.ToTable("Readings");
        builder.HasKey(r => new { r.SeriesId, r.Time });
    }

    public void Configure(EntityTypeBuilder<MinuteRollupEntity> builder)
    {
        builder.ToTable("MinuteRollups");
        builder.HasKey(r => new { r.SeriesId, r.Bucket });
    }

    public void Configure(EntityTypeBuilder<HourRollupEntity> builder)
    {
        builder.ToTable("HourRollups");
        builder.HasKey(r => new { r.SeriesId, r.Bucket });
    }
}
