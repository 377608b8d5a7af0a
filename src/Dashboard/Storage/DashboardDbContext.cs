using Dashboard.Broker.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Storage;

/// <summary>
/// The one database: broker state, readings, rules, dashboard accounts (ASP.NET Core Identity's tables) and API keys.
/// SQLite's migrations are this context's; PostgreSQL's are <see cref="PostgreSql.PostgreSqlDbContext"/>'s.
/// </summary>
public class DashboardDbContext : IdentityDbContext<IdentityUser>
{
    public DashboardDbContext(DbContextOptions<DashboardDbContext> options)
        : base(options)
    {
    }

    protected DashboardDbContext(DbContextOptions options)
        : base(options)
    {
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.AddBrokerEntities();
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(DashboardDbContext).Assembly);
    }
}
