using Dashboard.Accounts;
using Dashboard.Broker.Retained;
using Dashboard.Broker.Sessions;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Storage;

/// <summary>The one SQLite database: broker state, readings, rules, dashboard accounts (ASP.NET Core Identity's tables) and API keys.</summary>
public sealed class DashboardDbContext(DbContextOptions<DashboardDbContext> options) : IdentityDbContext<IdentityUser>(options)
{
    public DbSet<RetainedMessageEntity> RetainedMessages => Set<RetainedMessageEntity>();
    public DbSet<SessionEntity> Sessions => Set<SessionEntity>();
    public DbSet<SubscriptionEntity> Subscriptions => Set<SubscriptionEntity>();
    public DbSet<QueuedMessageEntity> QueuedMessages => Set<QueuedMessageEntity>();
    public DbSet<ApiKeyEntity> ApiKeys => Set<ApiKeyEntity>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(DashboardDbContext).Assembly);
    }
}
