using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Dashboard.Registry;

/// <summary>A device in the registry. Times are Unix milliseconds (UTC), so they sort and compare in SQL.</summary>
internal sealed class DeviceRecord
{
    public string Id { get; set; } = "";
    public string? DisplayName { get; set; }
    public string? Group { get; set; }
    public bool Hidden { get; set; }
    public int? ExpectedEverySeconds { get; set; }

    /// <summary>Per-metric display names and units, as JSON (<see cref="MetricSettingsJson"/>).</summary>
    public string? Metrics { get; set; }

    public long FirstSeen { get; set; }
    public long? LastSeen { get; set; }
    public string? LastClientId { get; set; }
    public string? LastAddress { get; set; }
}

/// <summary>One change of a device's presence, with its cause.</summary>
internal sealed class PresenceEventRecord
{
    public long Id { get; set; }
    public string DeviceId { get; set; } = "";
    public long Time { get; set; }
    public int Status { get; set; }
    public int Cause { get; set; }
    public string Detail { get; set; } = "";
}

internal sealed class RegistryEntitiesConfiguration : IEntityTypeConfiguration<DeviceRecord>, IEntityTypeConfiguration<PresenceEventRecord>
{
    public void Configure(EntityTypeBuilder<DeviceRecord> builder)
    {
        builder.ToTable("Devices");
        builder.HasKey(d => d.Id);
        builder.Property(d => d.DisplayName).HasMaxLength(DeviceSettingsInput.MaxName);
        builder.Property(d => d.Group).HasMaxLength(DeviceSettingsInput.MaxGroup);
    }

    public void Configure(EntityTypeBuilder<PresenceEventRecord> builder)
    {
        builder.ToTable("PresenceEvents");
        builder.HasKey(p => p.Id);
        builder.HasIndex(p => new { p.DeviceId, p.Time });
        builder.HasIndex(p => p.Time);
    }
}
