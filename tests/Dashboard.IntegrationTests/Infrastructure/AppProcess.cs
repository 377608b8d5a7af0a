using System.Net;

namespace Dashboard.IntegrationTests.Infrastructure;

/// <summary>
/// The built Dashboard.dll run as its own process (<c>dotnet Dashboard.dll</c>), on free loopback ports with its own
/// SQLite file, for what an in-process host cannot do: being killed with SIGKILL.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly ExternalProcess _process;

    private AppProcess(ExternalProcess process, int http, int mqtt)
    {
        _process = process;
        HttpPort = http;
        MqttPort = mqtt;
    }

    public int HttpPort { get; }
    public int MqttPort { get; }
    public string Output => _process.Output;

    /// <summary>src/Dashboard/bin/&lt;the tests' configuration&gt;/net10.0/Dashboard.dll, built with the tests.</summary>
    public static string Dll
    {
        get
        {
            var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name; // bin/<configuration>/net10.0/
            return Path.Combine(RepoPaths.Root, "src", "Dashboard", "bin", configuration, "net10.0", "Dashboard.dll");
        }
    }

    public static async Task<AppProcess> StartAsync(string databasePath, IDictionary<string, string>? environment = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(databasePath, environment);
            }
            catch (PortTakenException) when (attempt < 3)
            {
                // FreePort's port was free when asked, but something else (a parallel test's client, another program)
                // took it before Kestrel bound it: take new ports.
            }
        }
    }

    private static async Task<AppProcess> StartOnceAsync(string databasePath, IDictionary<string, string>? environment)
    {
        var (http, mqtt, ws) = (FreePort.Next(), FreePort.Next(), FreePort.Next());
        var variables = new Dictionary<string, string>(environment ?? new Dictionary<string, string>())
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{http}",
            ["Kestrel__Endpoints__Mqtt__Url"] = $"http://127.0.0.1:{mqtt}",
            ["Kestrel__Endpoints__MqttWebSockets__Url"] = $"http://127.0.0.1:{ws}",
            ["ConnectionStrings__Dashboard"] = $"Data Source={databasePath}",
            ["Broker__SysInterval"] = "00:00:00",
        };
        var process = ExternalProcess.Start("dotnet", [Dll], variables, workingDirectory: Path.GetDirectoryName(Dll));
        var app = new AppProcess(process, http, mqtt);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            // Start-up (JIT, migrations) takes longer than a test's usual patience on a busy machine.
            var deadline = DateTime.UtcNow + TestClient.Patience * 6;
            while (true)
            {
                if (process.HasExited)
                {
                    await process.WaitForExitAsync(); // all of its output read
                    if (process.Output.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
                    {
                        throw new PortTakenException(process.Output);
                    }
                }

                if (process.HasExited || DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"Dashboard.dll did not become healthy. Output:\n{process.Output}");
                }

                try
                {
                    using var response = await client.GetAsync($"http://127.0.0.1:{http}/healthz");
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        return app;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    // not listening yet
                }

                await Task.Delay(100);
            }
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILL, and waits until the process is gone.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private sealed class PortTakenException(string output) : Exception($"Dashboard.dll could not bind its ports. Output:\n{output}");
}
