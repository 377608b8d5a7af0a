using Dashboard.History;
using Dashboard.ScaleOut;
using Dashboard.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dashboard.Tests.History;

/// <summary>A real, migrated SQLite file with the history services over it, and a clock the test sets.</summary>
public sealed class HistoryDatabase : IDisposable
{
    private readonly ServiceProvider _services;
    private readonly Dictionary<(string, string), object> _series = [];

    public HistoryDatabase(HistoryOptions? options = null)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "dashboard-tests", $"{Guid.NewGuid():N}.db");
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        ConnectionString = $"Data Source={Path}";
        Options = options ?? new HistoryOptions();
        var services = new ServiceCollection();
        services.AddDbContext<DashboardDbContext>(o => o.UseSqlite(ConnectionString));
        services.AddSingleton<IOptions<HistoryOptions>>(Microsoft.Extensions.Options.Options.Create(Options));
        services.AddSingleton<TimeProvider>(Clock);
        services.AddSingleton<HistoryStats>();
        services.AddSingleton<HistoryQueries>();
        services.AddSingleton(new DatabaseConnection(StorageProvider.Sqlite, ConnectionString));
        services.AddSingleton<HistoryCsvExport>();
        _services = services.BuildServiceProvider();
        using var scope = _services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
        db.Database.Migrate();
        db.Database.ExecuteSqlRaw("PRAGMA journal_mode=WAL;");
        Store = HistoryStore.Open(ConnectionString);
    }

    public string Path { get; }
    public string ConnectionString { get; }
    public HistoryOptions Options { get; }
    public TestClock Clock { get; } = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
    public IServiceProvider Services => _services;
    internal HistoryStore Store { get; private set; }
    public HistoryQueries Queries => _services.GetRequiredService<HistoryQueries>();
    public HistoryCsvExport Export => _services.GetRequiredService<HistoryCsvExport>();

    /// <summary>Writes readings of (topic, metric) through the writer's path, one batch.</summary>
    public (int Stored, int Duplicates) Write(string topic, string metric, string? unit, params (DateTimeOffset Time, double Value)[] readings)
    {
        var series = Handle(topic, metric);
        return Store.Write([.. readings.Select(r => new PendingReading(series, unit, r.Value, r.Time.ToUnixTimeMilliseconds()))]);
    }

    /// <summary>Like a restart: a new writer connection that knows no series yet.</summary>
    public void Reopen()
    {
        Store.Dispose();
        _series.Clear();
        Store = HistoryStore.Open(ConnectionString);
    }

    internal HistoryRetention Retention() =>
        new(new DatabaseConnection(StorageProvider.Sqlite, ConnectionString), _services.GetRequiredService<IOptions<HistoryOptions>>(), Clock, new InstanceElection(null, Clock, null), NullLogger<HistoryRetention>.Instance);

    public async Task<HistorySeriesInfo> SeriesAsync(string topic, string metric) =>
        (await Queries.SeriesOfTopicAsync(topic)).Single(s => s.Metric == metric);

    public T Scalar<T>(string sql)
    {
        using var scope = _services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<DashboardDbContext>();
        return db.Database.SqlQueryRaw<T>(sql).AsEnumerable().Single();
    }

    private SeriesHandle Handle(string topic, string metric)
    {
        if (!_series.TryGetValue((topic, metric), out var handle))
        {
            handle = new SeriesHandle(topic, metric, topic[..Math.Max(0, topic.LastIndexOf('/'))]);
            _series.Add((topic, metric), handle);
        }

        return (SeriesHandle)handle;
    }

    public void Dispose()
    {
        Store.Dispose();
        _services.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(Path + suffix);
        }
    }
}

/// <summary>A clock that stands still until the test moves it.</summary>
public sealed class TestClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
