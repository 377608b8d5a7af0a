using System.Net.Sockets;
using Dashboard.IntegrationTests.Infrastructure;

namespace Dashboard.IntegrationTests.External;

/// <summary>
/// Debian's mosquitto as the external broker: its own config and persistence in a temporary folder, a free loopback
/// port, stopped by its PID. Never the system daemon on 1883 (the package may start one; the tests neither use nor mind it).
/// </summary>
public sealed class Mosquitto : IAsyncDisposable
{
    private const string Program = "/usr/sbin/mosquitto";
    private readonly string _folder;
    private ExternalProcess? _process;

    private Mosquitto(string folder, int port)
    {
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    public string Output => _process?.Output ?? "";

    /// <param name="configuration">More lines for its configuration (a bridge, say).</param>
    public static async Task<Mosquitto> StartAsync(params string[] configuration)
    {
        var folder = Path.Combine(Path.GetTempPath(), "dashboard-tests", "mosquitto-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        var broker = new Mosquitto(folder, FreePort.Next());
        await File.WriteAllLinesAsync(Path.Combine(folder, "mosquitto.conf"),
        [
            $"listener {broker.Port} 127.0.0.1",
            "allow_anonymous true",
            // Sessions and retained messages survive a restart of this broker, as they would in production.
            "persistence true",
            $"persistence_location {folder}/",
            "log_dest stdout",
            // As root mosquitto would switch to the user "mosquitto", which cannot write this folder.
            .. Environment.UserName == "root" ? ["user root"] : Array.Empty<string>(),
            .. configuration,
        ]);
        await broker.StartAgainAsync();
        return broker;
    }

    /// <summary>Starts the broker (again) on the same port, with what it persisted.</summary>
    public async Task StartAgainAsync()
    {
        _process = ExternalProcess.Start(Program, ["-c", Path.Combine(_folder, "mosquitto.conf")]);
        await DashboardApp.WaitUntilAsync(async () =>
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException("mosquitto exited:\n" + _process.Output);
            }

            using var socket = new TcpClient();
            try
            {
                await socket.ConnectAsync("127.0.0.1", Port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }, $"mosquitto to listen on {Port}");
    }

    /// <summary>SIGTERM by its PID: it saves its state and closes every connection, as a broker restart does.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            await ExternalProcess.RunAsync("/bin/kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await process.WaitForExitAsync();
            await process.DisposeAsync();
        }
    }

    /// <summary>SIGKILL: nothing is said to anyone, as when its machine loses power.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    /// <summary>Runs mosquitto_sub against this broker until it has <paramref name="count"/> messages or <paramref name="seconds"/> pass; its lines ("topic payload").</summary>
    public async Task<string[]> SubscribeAsync(string filter, int count, int seconds) => await await StartSubscriberAsync(filter, count, seconds);

    /// <summary>
    /// Starts mosquitto_sub as <see cref="SubscribeAsync"/> does and returns once its SUBACK has come, so what is published
    /// from then on is its to receive; the task it returns ends with its lines.
    /// </summary>
    public async Task<Task<string[]>> StartSubscriberAsync(string filter, int count, int seconds)
    {
        // stdbuf: mosquitto_sub's output to a pipe is block-buffered, and its SUBACK line would come only when it exits.
        var process = ExternalProcess.Start("stdbuf",
            ["-oL", "mosquitto_sub", "-h", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-q", "1", "-d", "-v", "-t", filter,
             "-C", count.ToString(System.Globalization.CultureInfo.InvariantCulture), "-W", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        try
        {
            await process.WaitForLineAsync("received SUBACK");
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }

        return MessagesAsync(process, TimeSpan.FromSeconds(seconds + 5));

        static async Task<string[]> MessagesAsync(ExternalProcess process, TimeSpan patience)
        {
            await using (process)
            {
                await process.WaitForExitAsync(patience);
                return process.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Where(line => !line.StartsWith("Client ", StringComparison.Ordinal) && !line.StartsWith("Subscribed", StringComparison.Ordinal)
                        && !line.StartsWith("Timed out", StringComparison.Ordinal))
                    .ToArray();
            }
        }
    }

    /// <summary>The app's settings for a dashboard using this broker.</summary>
    public Dictionary<string, string?> Settings(string clientId, string? sharedGroup = null, string? sessionExpiry = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Broker:Mode"] = "External",
            ["Broker:External:Host"] = "127.0.0.1",
            ["Broker:External:Port"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Broker:External:ClientId"] = clientId,
            ["Broker:External:SharedGroup"] = sharedGroup ?? "group-" + clientId,
        };
        if (sessionExpiry is not null)
        {
            settings["Broker:External:SessionExpiry"] = sessionExpiry;
        }

        return settings;
    }

    /// <summary>mosquitto_pub against this broker (QoS 1 unless the arguments say otherwise).</summary>
    public async Task PublishAsync(string topic, string payload, bool retain = false)
    {
        List<string> arguments = ["-h", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-q", "1", "-t", topic, "-m", payload];
        if (retain)
        {
            arguments.Add("-r");
        }

        var (exitCode, output) = await ExternalProcess.RunAsync("mosquitto_pub", arguments);
        Assert.True(exitCode == 0, "mosquitto_pub failed: " + output);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // left for the temp cleaner
        }
    }
}
