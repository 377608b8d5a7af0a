using System.Data.Common;
using Dashboard.Storage.PostgreSql;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Dashboard.Storage;

public static class StorageFeature
{
    /// <summary><c>ConnectionStrings:Dashboard</c> when it is not set: relative to the working directory (in Docker, the volume).</summary>
    public const string DefaultConnectionString = "Data Source=data/dashboard.db";

    /// <summary>The database of <c>ConnectionStrings:Dashboard</c> (SQLite, or PostgreSQL by <c>Storage:Provider</c>), migrated at start-up.</summary>
    public static IHostApplicationBuilder AddStorage(this IHostApplicationBuilder builder)
    {
        var provider = Provider(builder.Configuration);
        var connectionString = ConnectionString(builder.Configuration);
        builder.Services.AddSingleton(new DatabaseConnection(provider, connectionString));
        if (provider == StorageProvider.PostgreSQL)
        {
            if (builder.Configuration.GetConnectionString("Dashboard") is null)
            {
                throw new InvalidOperationException(
                    "Storage:Provider is PostgreSQL: set ConnectionStrings:Dashboard to the server's connection string (Host=…;Database=…;Username=…;Password=…).");
            }

            builder.Services.AddDbContext<DashboardDbContext, PostgreSqlDbContext>(options => options.UseNpgsql(connectionString));
        }
        else
        {
            CreatePrivately(DataDirectory(builder.Configuration), new SqliteConnectionStringBuilder(connectionString).DataSource);
            builder.Services.AddDbContext<DashboardDbContext>(options => options
                .UseSqlite(connectionString)
                .AddInterceptors(new SqlitePragmas()));
        }

        builder.Services.AddHostedService<DatabaseMigrator>();
        return builder;
    }

    public static StorageProvider Provider(IConfiguration configuration) =>
        configuration.GetSection(StorageOptions.Section).Get<StorageOptions>()?.Provider ?? StorageProvider.Sqlite;

    /// <summary>
    /// The data folder (0700) and the database file (0600) are the owner's alone: they hold password hashes, sessions and
    /// sign-in keys. SQLite gives its -wal and -shm files the database's mode. Existing files keep theirs.
    /// </summary>
    public static void CreatePrivately(string directory, string? databaseFile)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
            return;
        }

        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (!string.IsNullOrEmpty(databaseFile) && databaseFile != ":memory:" && !File.Exists(databaseFile))
        {
            using var created = new FileStream(databaseFile, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
    }

    private static string ConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString("Dashboard") ?? DefaultConnectionString;

    /// <summary>The folder the SQLite file is in (the docker volume): where other state kept beside it goes.</summary>
    public static string DataDirectory(IConfiguration configuration)
    {
        if (Provider(configuration) != StorageProvider.Sqlite)
        {
            return Path.GetFullPath("data");
        }

        var dataSource = new SqliteConnectionStringBuilder(ConnectionString(configuration)).DataSource;
        return string.IsNullOrEmpty(dataSource) || dataSource == ":memory:"
            ? Path.GetFullPath("data")
            : Path.GetDirectoryName(Path.GetFullPath(dataSource))!;
    }

    /// <summary>WAL (set once in <see cref="DatabaseMigrator"/>) makes synchronous=NORMAL safe: a crash can lose the last commit, never the file.</summary>
    private sealed class SqlitePragmas : DbConnectionInterceptor
    {
        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            Apply(connection);
            return Task.CompletedTask;
        }

        private static void Apply(DbConnection connection)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;";
            command.ExecuteNonQuery();
        }
    }
}
