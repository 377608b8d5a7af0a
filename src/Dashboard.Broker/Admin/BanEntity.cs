using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Dashboard.Broker.Admin;

/// <summary>A stored ban; <see cref="Kind"/> is stored by name so the table reads well.</summary>
public sealed class BanEntity
{
    public long Id { get; set; }
    public BanKind Kind { get; set; }
    public string Value { get; set; } = "";
    public string? Reason { get; set; }
    public string? CreatedBy { get; set; }
    public DateTime CreatedAt { get; set; }

    /// <summary>Null: until lifted.</summary>
    public DateTime? ExpiresAt { get; set; }
}

internal sealed class BanConfiguration : IEntityTypeConfiguration<BanEntity>
{
    public void Configure(EntityTypeBuilder<BanEntity> builder)
    {
        builder.ToTable("BrokerBans");
        builder.Property(b => b.Kind).HasConversion<string>().HasMaxLength(16);
        builder.Property(b => b.Value).HasMaxLength(256);
        builder.Property(b => b.Reason).HasMaxLength(500);
        builder.Property(b => b.CreatedBy).HasMaxLength(256);
    }
}
