using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Dashboard.Broker.Auth;

/// <summary>A broker user; <see cref="PasswordHash"/> is ASP.NET Core Identity's salted PBKDF2 hash, never the password.</summary>
public sealed class BrokerUserEntity
{
    public string Name { get; set; } = "";
    public string PasswordHash { get; set; } = "";
    public DateTime UpdatedAt { get; set; }
}

/// <summary>One ACL line, in order; <see cref="UserName"/> null is the anonymous ACL. Access is stored by name so the table reads well.</summary>
public sealed class BrokerAclEntryEntity
{
    public long Id { get; set; }
    public string? UserName { get; set; }
    public int Position { get; set; }
    public string Filter { get; set; } = "";
    public AclAccess Access { get; set; }
}

internal sealed class BrokerUserConfiguration : IEntityTypeConfiguration<BrokerUserEntity>
{
    public void Configure(EntityTypeBuilder<BrokerUserEntity> builder)
    {
        builder.ToTable("BrokerUsers");
        builder.HasKey(u => u.Name);
        builder.Property(u => u.Name).HasMaxLength(BrokerUserValidator.MaxNameLength);
    }
}

internal sealed class BrokerAclEntryConfiguration : IEntityTypeConfiguration<BrokerAclEntryEntity>
{
    public void Configure(EntityTypeBuilder<BrokerAclEntryEntity> builder)
    {
        builder.ToTable("BrokerAclEntries");
        builder.Property(a => a.Access).HasConversion<string>();
        builder.HasIndex(a => new { a.UserName, a.Position });
    }
}
