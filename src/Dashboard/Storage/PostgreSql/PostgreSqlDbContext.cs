using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Dashboard.Storage.PostgreSql;

/// <summary>
/// The same model on PostgreSQL, with its own migrations (<c>Storage/PostgreSql/Migrations</c>): the services still ask
/// for <see cref="DashboardDbContext"/>. SQLite's NOCASE collation becomes an ICU case-insensitive one.
/// </summary>
public sealed class PostgreSqlDbContext(DbContextOptions<PostgreSqlDbContext> options) : DashboardDbContext(options)
{
    public const string CaseInsensitive = "case_insensitive";

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.HasCollation(CaseInsensitive, locale: "und-u-ks-level2", provider: "icu", deterministic: false);
        foreach (var property in modelBuilder.Model.GetEntityTypes().SelectMany(e => e.GetProperties()))
        {
            if (property.GetCollation() == "NOCASE")
            {
                property.SetCollation(CaseInsensitive);
            }
        }
    }
}

/// <summary>For <c>dotnet ef migrations add … --context PostgreSqlDbContext --output-dir Storage/PostgreSql/Migrations</c>: no server is needed to write a migration.</summary>
internal sealed class PostgreSqlDesignTimeFactory : IDesignTimeDbContextFactory<PostgreSqlDbContext>
{
    public PostgreSqlDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgreSqlDbContext>().UseNpgsql("Host=localhost;Database=dashboard").Options);
}

/// <summary>
/// For <c>dotnet ef … --context DashboardDbContext</c>: without it the tools would take the PostgreSQL factory above for
/// this context too (its context derives from this one) and write SQLite's migrations for PostgreSQL.
/// </summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<DashboardDbContext>
{
    public DashboardDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<DashboardDbContext>().UseSqlite(StorageFeature.DefaultConnectionString).Options);
}
