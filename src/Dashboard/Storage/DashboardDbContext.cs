using Dashboard.Broker.Retained;
using Dashboard.Broker.Sessions;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Storage;

/// <summary>The one SQLite database: broker state now, readings, rules and users as features arrive.</summary>
public sealed class DashboardDbContext(DbContextOptions<DashboardDbContext> options) : DbContext(options)
{
    public DbSet<RetainedMessageEntity> RetainedMessages => Set<RetainedMessageEntity>();
    public DbSet<SessionEntity> Sessions => Set<SessionEntity>();
    public DbSet<SubscriptionEntity> Subscriptions => Set<SubscriptionEntity>();
    public DbSet<QueuedMessageEntity> QueuedMessages => Set<QueuedMessageEntity>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(DashboardDbContext).Assembly);
}
