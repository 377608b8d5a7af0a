using Dashboard.Broker.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Dashboard.Broker.Sessions;

/// <summary>A persistent session (MQTT 3.1.1 clean session off, or MQTT 5 session expiry above zero).</summary>
public sealed class SessionEntity
{
    public string ClientId { get; set; } = "";

    /// <summary>The broker user the client last connected as; null for anonymous.</summary>
    public string? UserName { get; set; }

    public long ExpirySeconds { get; set; }
    public DateTime? DisconnectedAt { get; set; }
    public List<SubscriptionEntity> Subscriptions { get; set; } = [];
}

public sealed class SubscriptionEntity
{
    public string ClientId { get; set; } = "";
    public string TopicFilter { get; set; } = "";
    public byte Qos { get; set; }
    public bool NoLocal { get; set; }
    public bool RetainAsPublished { get; set; }
    public byte RetainHandling { get; set; }
    public uint Identifier { get; set; }
}

/// <summary>A message waiting for an offline persistent session, in arrival order (<see cref="Id"/>).</summary>
public sealed class QueuedMessageEntity : StoredMessage
{
    public long Id { get; set; }
    public string ClientId { get; set; } = "";
    public bool Retain { get; set; }
}

internal sealed class SessionConfiguration : IEntityTypeConfiguration<SessionEntity>
{
    public void Configure(EntityTypeBuilder<SessionEntity> builder)
    {
        builder.ToTable("Sessions");
        builder.HasKey(s => s.ClientId);
        builder.Property(s => s.UserName).HasMaxLength(Auth.BrokerUserValidator.MaxNameLength);
        builder.HasMany(s => s.Subscriptions).WithOne().HasForeignKey(s => s.ClientId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class SubscriptionConfiguration : IEntityTypeConfiguration<SubscriptionEntity>
{
    public void Configure(EntityTypeBuilder<SubscriptionEntity> builder)
    {
        builder.ToTable("Subscriptions");
        builder.HasKey(s => new { s.ClientId, s.TopicFilter });
    }
}

internal sealed class QueuedMessageConfiguration : IEntityTypeConfiguration<QueuedMessageEntity>
{
    public void Configure(EntityTypeBuilder<QueuedMessageEntity> builder)
    {
        builder.ToTable("QueuedMessages");
        builder.HasKey(m => m.Id);
        builder.Property(m => m.Id).ValueGeneratedNever();
        builder.HasIndex(m => m.ClientId);
        builder.HasOne<SessionEntity>().WithMany().HasForeignKey(m => m.ClientId).OnDelete(DeleteBehavior.Cascade);
    }
}
