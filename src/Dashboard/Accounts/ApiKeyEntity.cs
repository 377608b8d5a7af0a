using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Dashboard.Accounts;

/// <summary>An API key: only the SHA-256 of the secret is kept (the secret is 256 random bits, so a slow hash adds nothing).</summary>
public sealed class ApiKeyEntity
{
    public long Id { get; set; }
    public required string Name { get; set; }
    public required string Role { get; set; }

    /// <summary>The secret's first characters, shown so a user can tell keys apart.</summary>
    public required string Prefix { get; set; }
    public required string Hash { get; set; }
    public required string CreatedBy { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? LastUsedAt { get; set; }
}

internal sealed class ApiKeyEntityConfiguration : IEntityTypeConfiguration<ApiKeyEntity>
{
    public void Configure(EntityTypeBuilder<ApiKeyEntity> builder)
    {
        builder.ToTable("ApiKeys");
        builder.Property(k => k.Name).HasMaxLength(100);
        builder.Property(k => k.Role).HasMaxLength(20);
        builder.Property(k => k.Prefix).HasMaxLength(20);
        builder.Property(k => k.Hash).HasMaxLength(64);
        builder.Property(k => k.CreatedBy).HasMaxLength(256);
        builder.HasIndex(k => k.Hash).IsUnique();
    }
}
