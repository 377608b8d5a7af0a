using System.Globalization;
using Dashboard.Servers;

namespace Dashboard.Bench;

/// <summary>
/// PostgreSQL and Redis as the integration tests start them (tests/Servers), in the bench's temp folder, listed in
/// $BENCH_PID_FILE so that bench/run.sh's trap stops them should the bench itself be killed; and their CPU from /proc.
/// </summary>
internal static class BenchServers
{
    /// <summary>
    /// PostgreSQL's own defaults (fsync and synchronous_commit on, unlike the tests' throwaway servers), then
    /// <paramref name="settings"/> (<c>--pg name=value</c>).
    /// </summary>
    public static async Task<PostgreSqlServer> StartPostgreSqlAsync(string temp, IReadOnlyList<string> settings)
    {
        LetServerUserThrough(temp);
        var server = new PostgreSqlServer { BaseFolder = temp, Settings = settings };
        try
        {
            await server.InitializeAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        Register(server.Pid, server.DataFolder);
        return server;
    }

    public static async Task<RedisServer> StartRedisAsync(string temp)
    {
        var server = new RedisServer { BaseFolder = temp };
        await server.InitializeAsync();
        Register(server.Pid, server.Configuration); // redis-server rewrites its command line to "redis-server 127.0.0.1:<port>"
        return server;
    }

    /// <summary>
    /// CPU time of the whole server: the postmaster, its live children (backends, WAL writer, checkpointer…) and, through
    /// the postmaster's cutime/cstime, the children that have exited (a closed connection's backend).
    /// </summary>
    public static CpuTimes PostgreSqlCpu(int postmaster)
    {
        var fields = StatFields(postmaster);
        var total = new CpuTimes(Ticks(fields[11]) + Ticks(fields[13]), Ticks(fields[12]) + Ticks(fields[14]));
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && pid != postmaster)
            {
                try
                {
                    var child = StatFields(pid);
                    if (child[1] == postmaster.ToString(CultureInfo.InvariantCulture))
                    {
                        total += new CpuTimes(Ticks(child[11]), Ticks(child[12]));
                    }
                }
                catch (IOException)
                {
                    // Gone meanwhile.
                }
            }
        }

        return total;
    }

    /// <summary>As root, PostgreSQL runs as user postgres, which must be able to pass through the bench's private temp folders to its own.</summary>
    private static void LetServerUserThrough(string folder)
    {
        if (OperatingSystem.IsWindows() || Environment.UserName != "root")
        {
            return;
        }

        for (var dir = new DirectoryInfo(folder); dir is not null; dir = dir.Parent)
        {
            if ((dir.UnixFileMode & UnixFileMode.OtherExecute) == 0)
            {
                dir.UnixFileMode |= UnixFileMode.OtherExecute; // traverse only: nobody else can list it
            }
        }
    }

    private static void Register(int pid, string lastArgument)
    {
        if (Environment.GetEnvironmentVariable("BENCH_PID_FILE") is { Length: > 0 } pidFile)
        {
            File.AppendAllText(pidFile, $"{pid} {lastArgument}\n");
        }
    }

    /// <summary>The fields of /proc/&lt;pid&gt;/stat after the command name: [0] is the state, [1] the parent's PID, [11..14] utime, stime, cutime, cstime.</summary>
    private static string[] StatFields(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    }

    // USER_HZ is 100 on every mainstream Linux architecture (as in BrokerProcess).
    private static TimeSpan Ticks(string value) => TimeSpan.FromSeconds(long.Parse(value, CultureInfo.InvariantCulture) / 100.0);
}
