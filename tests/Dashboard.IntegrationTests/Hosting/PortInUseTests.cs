using System.Net;
using System.Net.Sockets;
using Dashboard.IntegrationTests.Infrastructure;

namespace Dashboard.IntegrationTests.Hosting;

/// <summary>A port another program holds, or a setting out of range: the app says which and what to do, and exits with 1, not a crash.</summary>
public sealed class PortInUseTests
{
    [Theory]
    [InlineData("Http")]
    [InlineData("Mqtt")]
    public async Task A_port_in_use_ends_the_start_with_a_line_that_says_which_and_exit_code_1_and_never_claims_to_listen(string endpoint)
    {
        var ports = new Dictionary<string, int> { ["Http"] = FreePort.Next(), ["Mqtt"] = FreePort.Next(), ["MqttWebSockets"] = FreePort.Next() };
        using var squatter = new TcpListener(IPAddress.Loopback, ports[endpoint]);
        squatter.Start();
        var folder = Directory.CreateTempSubdirectory("dashboard-port-");
        try
        {
            var variables = new Dictionary<string, string>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["ConnectionStrings__Dashboard"] = $"Data Source={Path.Combine(folder.FullName, "dashboard.db")}",
            };
            foreach (var (name, port) in ports)
            {
                variables[$"Kestrel__Endpoints__{name}__Url"] = $"http://127.0.0.1:{port}";
            }

            await using var process = ExternalProcess.Start("dotnet", [AppProcess.Dll], variables, workingDirectory: Path.GetDirectoryName(AppProcess.Dll));
            await process.WaitForExitAsync(TimeSpan.FromSeconds(60));

            Assert.Equal(1, process.ExitCode);
            // The last line it wrote (stderr: the host's log goes to stdout, and the two arrive here in no set order).
            var lastLine = process.Errors.TrimEnd().Split('\n')[^1];
            Assert.Contains($"127.0.0.1:{ports[endpoint]}: address already in use", lastLine, StringComparison.Ordinal);
            Assert.Contains("Kestrel__Endpoints__", lastLine, StringComparison.Ordinal);
            Assert.DoesNotContain("Unhandled exception", process.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("BackgroundService failed", process.Output, StringComparison.Ordinal);
            // The broker's start line says where it listens: it must wait for Kestrel's listeners, which never opened.
            Assert.DoesNotContain("Broker started", process.Output, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("Broker__MaxConnections", "-5", "MaxConnections")]
    [InlineData("History__FlushInterval", "soon", "History:FlushInterval")]
    public async Task An_invalid_setting_ends_the_start_with_a_line_naming_it_and_exit_code_1(string variable, string value, string named)
    {
        var folder = Directory.CreateTempSubdirectory("dashboard-config-");
        try
        {
            var variables = new Dictionary<string, string>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["ConnectionStrings__Dashboard"] = $"Data Source={Path.Combine(folder.FullName, "dashboard.db")}",
                ["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{FreePort.Next()}",
                ["Kestrel__Endpoints__Mqtt__Url"] = $"http://127.0.0.1:{FreePort.Next()}",
                ["Kestrel__Endpoints__MqttWebSockets__Url"] = $"http://127.0.0.1:{FreePort.Next()}",
                [variable] = value,
            };

            await using var process = ExternalProcess.Start("dotnet", [AppProcess.Dll], variables, workingDirectory: Path.GetDirectoryName(AppProcess.Dll));
            await process.WaitForExitAsync(TimeSpan.FromSeconds(60));

            Assert.Equal(1, process.ExitCode); // was 134: an unhandled exception
            var lastLine = process.Errors.TrimEnd().Split('\n')[^1];
            Assert.StartsWith("Invalid configuration:", lastLine, StringComparison.Ordinal);
            Assert.Contains(named, lastLine, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
