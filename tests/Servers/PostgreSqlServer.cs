using System.Diagnostics;
using Npgsql;

namespace Dashboard.Servers;

/// <summary>
/// A real PostgreSQL server from Debian's packages (<c>postgresql</c>, installed by .ci/run), in a temporary folder on a free
/// loopback port, stopped by its PID. Shared by the integration tests (a class fixture) and the bench. PostgreSQL refuses
/// to run as root: as root, the server and its tools run as the package's <c>postgres</c> user (which must be able to
/// reach <see cref="BaseFolder"/>).
/// </summary>
public sealed partial class PostgreSqlServer
{
    private const string User = "dashboard";

    private ServerProcess? _server;

    /// <summary>Where its folder goes (a new one inside, removed on dispose).</summary>
    public string BaseFolder { get; init; } = Path.Combine(Path.GetTempPath(), "dashboard-tests");

    /// <summary>
    /// <c>-c</c> settings of the server. The tests' default trades durability for speed (nothing there survives the run);
    /// the bench passes its own.
    /// </summary>
    public IReadOnlyList<string> Settings { get; init; } = ["fsync=off", "synchronous_commit=off", "full_page_writes=off"];

    public string Folder { get; private set; } = "";

    public int Port { get; } = ServerPorts.Next();

    /// <summary>The postmaster's PID once started (its backends are its children).</summary>
    public int Pid => _server?.Id ?? 0;

    /// <summary>The data folder: last on the server's command line, so whoever kills by PID can check it is still this server.</summary>
    public string DataFolder => Path.Combine(Folder, "data");

    /// <summary>A new, empty database on this server; its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string? name = null)
    {
        name ??= $"dashboard_{Guid.NewGuid():N}";
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await create.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    public string ConnectionString(string database) => $"Host=127.0.0.1;Port={Port};Username={User};Database={database};Pooling=true";

    public async Task InitializeAsync()
    {
        Folder = Directory.CreateDirectory(Path.Combine(BaseFolder, $"pg-{Guid.NewGuid():N}")).FullName;
        if (Environment.UserName == "root")
        {
            await ServerProcess.RunAsync("chown", ["postgres:postgres", Folder], TimeSpan.FromSeconds(30));
        }

        // initdb writes a whole cluster: slow on a busy machine.
        var (initdb, initdbArguments) = AsServerUser(Binary("initdb"), ["-D", DataFolder, "-U", User, "-A", "trust", "-E", "UTF8", "--no-sync"]);
        await ServerProcess.RunAsync(initdb, initdbArguments, TimeSpan.FromMinutes(2));
        await StartAsync();
    }

    /// <summary>Starts the server on its data folder (again, after <see cref="StopAsync"/>) and waits until it answers.</summary>
    public async Task StartAsync()
    {
        // TCP only (-k ""): a Unix socket's path must fit in 107 bytes, which a deep temp folder does not.
        var (file, arguments) = AsServerUser(Binary("postgres"),
            ["-p", Port.ToString(), "-k", "", "-c", "listen_addresses=127.0.0.1", .. Settings.SelectMany(s => new[] { "-c", s }), "-D", DataFolder]);
        _server = ServerProcess.Start(file, arguments);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
                await connection.OpenAsync();
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException && deadline.Elapsed < TimeSpan.FromSeconds(60) && !_server.HasExited)
            {
                await Task.Delay(100);
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException($"PostgreSQL did not start:\n{_server.Output}", ex);
            }
        }
    }

    public async Task DisposeAsync()
    {
        await StopAsync();
        try
        {
            if (Folder.Length > 0)
            {
                Directory.Delete(Folder, recursive: true);
            }
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Stops the server (PostgreSQL's fast shutdown), keeping its data folder: <see cref="StartAsync"/> starts it again.</summary>
    public async Task StopAsync()
    {
        if (_server is { HasExited: false })
        {
            // SIGINT is PostgreSQL's fast shutdown; the server is the process we started (setpriv execs, keeping the PID).
            await ServerProcess.RunAsync("kill", ["-INT", _server.Id.ToString()], TimeSpan.FromSeconds(10));
            try
            {
                await _server.WaitForExitAsync(TimeSpan.FromSeconds(20));
            }
            catch (OperationCanceledException)
            {
            }
        }

        if (_server is not null)
        {
            await _server.DisposeAsync(); // SIGKILL if it is still there
            _server = null;
        }

        // Pooled connections to it are dead now: whoever opens one next (after StartAsync) must get a new one.
        NpgsqlConnection.ClearAllPools();
    }

    /// <summary>The newest PostgreSQL installed from Debian's packages.</summary>
    private static string Binary(string name) =>
        Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(v => int.TryParse(Path.GetFileName(v), out var n) ? n : 0)
            .Select(v => Path.Combine(v, "bin", name)).FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("PostgreSQL is not installed: apt-get install postgresql (.ci/run does).");

    private static (string File, string[] Arguments) AsServerUser(string file, string[] arguments) =>
        Environment.UserName == "root"
            ? ("setpriv", ["--reuid=postgres", "--regid=postgres", "--clear-groups", "--", file, .. arguments])
            : (file, arguments);
}
