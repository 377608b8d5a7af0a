using System.Diagnostics;
using Npgsql;

namespace Dashboard.IntegrationTests.Infrastructure;

/// <summary>
/// A real PostgreSQL server from Debian's packages (<c>postgresql</c>, installed by .ci/run), in a temporary folder on a free
/// loopback port, for the tests of <c>Storage:Provider=PostgreSQL</c>; one per test class, stopped by its PID. PostgreSQL
/// refuses to run as root: as root, the server and its tools run as the package's <c>postgres</c> user.
/// </summary>
public sealed class PostgreSqlServer : IAsyncLifetime
{
    private const string User = "dashboard";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "dashboard-tests", $"pg-{Guid.NewGuid():N}");
    private ExternalProcess? _server;

    public int Port { get; } = FreePort.Next();

    /// <summary>A new, empty database on this server; its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"dashboard_{Guid.NewGuid():N}";
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await create.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    public string ConnectionString(string database) => $"Host=127.0.0.1;Port={Port};Username={User};Database={database};Pooling=true";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        var data = Path.Combine(_folder, "data");
        if (Environment.UserName == "root")
        {
            await RunAsync("chown", ["postgres:postgres", _folder]);
        }

        await RunAsync(AsServerUser(Binary("initdb"), ["-D", data, "-U", User, "-A", "trust", "-E", "UTF8", "--no-sync"]));
        var (file, arguments) = AsServerUser(Binary("postgres"), ["-D", data, "-p", Port.ToString(), "-k", _folder,
            "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);
        _server = ExternalProcess.Start(file, arguments);
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
        if (_server is not null)
        {
            // SIGINT is PostgreSQL's fast shutdown; the server is the process we started (setpriv execs, keeping the PID).
            await RunAsync("kill", ["-INT", _server.Id.ToString()]);
            try
            {
                await _server.WaitForExitAsync(TimeSpan.FromSeconds(20));
            }
            catch (OperationCanceledException)
            {
            }

            await _server.DisposeAsync(); // SIGKILL if it is still there

        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
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

    private static Task RunAsync((string File, string[] Arguments) command) => RunAsync(command.File, command.Arguments);

    private static async Task RunAsync(string file, string[] arguments)
    {
        await using var process = ExternalProcess.Start(file, arguments);
        await process.WaitForExitAsync(TimeSpan.FromMinutes(2)); // initdb writes a whole cluster: slow on a busy machine
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{process.Output}");
        }
    }
}
