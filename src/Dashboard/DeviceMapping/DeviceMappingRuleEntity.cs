using Dashboard.Devices.Mapping;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Dashboard.DeviceMapping;

/// <summary>A mapping rule added in Settings; <see cref="Position"/> is its place in the order rules are asked.</summary>
public sealed class DeviceMappingRuleEntity
{
    public long Id { get; set; }
    public int Position { get; set; }
    public string Pattern { get; set; } = "";
    public DateTime UpdatedAt { get; set; }
}

internal sealed class DeviceMappingRuleConfiguration : IEntityTypeConfiguration<DeviceMappingRuleEntity>
{
    public void Configure(EntityTypeBuilder<DeviceMappingRuleEntity> builder)
    {
        builder.ToTable("DeviceMappingRules");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Pattern).HasMaxLength(TopicPattern.MaxLength);
        builder.HasIndex(r => r.Position);
    }
}
