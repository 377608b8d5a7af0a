using System.Net.Sockets;
using Dashboard.Broker.Status;
using Dashboard.Broker.Tls;
using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.IntegrationTests.Security;

/// <summary>When the TLS listeners open, and what a broken certificate setting looks like to the person starting the app.</summary>
public sealed class TlsConfigurationTests
{
    [Fact]
    public async Task Without_a_certificate_the_tls_listeners_stay_closed_and_the_plain_ones_serve()
    {
        await using var app = await DashboardApp.StartAsync();

        foreach (var port in new[] { app.Tls.Mqtt, app.Tls.WebSocket, app.Tls.Https })
        {
            using var socket = new TcpClient();
            await Assert.ThrowsAsync<SocketException>(() => socket.ConnectAsync("127.0.0.1", port));
        }

        await using var client = await TestClient.ConnectAsync(app);
        await DashboardApp.WaitUntilAsync(() => app.Services.GetRequiredService<BrokerStatusFeed>().Current.Listeners.Count > 0, "the first status sample");
        Assert.Equal(["Http", "Mqtt", "MqttWebSockets"], app.Services.GetRequiredService<BrokerStatusFeed>().Current.Listeners.Select(l => l.Name));
    }

    [Fact]
    public async Task An_endpoint_with_its_own_certificate_opens_alone()
    {
        using var certificates = TestCertificates.Create();
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:MqttTls:Certificate:Path"] = certificates.ServerCertificatePath,
            ["Kestrel:Endpoints:MqttTls:Certificate:KeyPath"] = certificates.ServerKeyPath,
        });

        var (exitCode, output) = await ExternalProcess.RunAsync("mosquitto_pub",
            ["--cafile", certificates.CaPath, "-h", "127.0.0.1", "-p", app.Tls.Mqtt.ToString(System.Globalization.CultureInfo.InvariantCulture), "-t", "tls/alone", "-m", "1"]);

        Assert.True(exitCode == 0, output);
        using var socket = new TcpClient();
        await Assert.ThrowsAsync<SocketException>(() => socket.ConnectAsync("127.0.0.1", app.Tls.Https));
    }

    [Fact]
    public async Task A_missing_certificate_file_stops_start_up_naming_the_file_and_setting()
    {
        var missing = Path.Combine(Path.GetTempPath(), "dashboard-tests", "no-such-server.crt");

        var error = await StartFailureAsync(new() { ["Kestrel:Certificates:Default:Path"] = missing, ["Kestrel:Certificates:Default:KeyPath"] = missing + ".key" });

        Assert.Equal($"TLS file '{missing}' (Kestrel:Certificates:Default:Path) does not exist.", error.Message);
    }

    [Fact]
    public async Task A_missing_client_certificate_authority_stops_start_up_naming_the_setting()
    {
        var missing = Path.Combine(Path.GetTempPath(), "dashboard-tests", "no-such-client-ca.crt");

        var error = await StartFailureAsync(new() { ["Broker:ClientCertificateAuthority"] = missing });

        Assert.Equal($"TLS file '{missing}' (Broker:ClientCertificateAuthority) does not exist.", error.Message);
    }

    [Fact]
    public async Task A_key_of_another_certificate_stops_start_up_naming_both_files()
    {
        using var certificates = TestCertificates.Create();
        var otherKey = Path.Combine(certificates.Directory, "client.key");

        var error = await StartFailureAsync(new() { ["Kestrel:Certificates:Default:Path"] = certificates.ServerCertificatePath, ["Kestrel:Certificates:Default:KeyPath"] = otherKey });

        Assert.Equal($"TLS key '{otherKey}' (Kestrel:Certificates:Default:KeyPath) does not belong to certificate '{certificates.ServerCertificatePath}' (Kestrel:Certificates:Default:Path).", error.Message);
    }

    [Fact]
    public async Task A_certificate_without_its_key_stops_start_up_asking_for_the_key_path()
    {
        using var certificates = TestCertificates.Create();

        var error = await StartFailureAsync(new() { ["Kestrel:Certificates:Default:Path"] = certificates.ServerCertificatePath });

        Assert.Contains("set Kestrel:Certificates:Default:KeyPath", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_app_started_with_a_missing_key_prints_one_line_and_exits()
    {
        using var certificates = TestCertificates.Create();
        var missingKey = Path.Combine(certificates.Directory, "missing.key");
        await using var process = ExternalProcess.Start("dotnet", [AppProcess.Dll], new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{FreePort.Next()}",
            ["Kestrel__Endpoints__Mqtt__Url"] = $"http://127.0.0.1:{FreePort.Next()}",
            ["Kestrel__Endpoints__MqttWebSockets__Url"] = $"http://127.0.0.1:{FreePort.Next()}",
            ["Kestrel__Endpoints__MqttTls__Url"] = $"https://127.0.0.1:{FreePort.Next()}",
            ["Kestrel__Endpoints__MqttWebSocketsTls__Url"] = $"https://127.0.0.1:{FreePort.Next()}",
            ["Kestrel__Endpoints__Https__Url"] = $"https://127.0.0.1:{FreePort.Next()}",
            ["ConnectionStrings__Dashboard"] = $"Data Source={DashboardApp.NewDatabasePath()}",
            ["Kestrel__Certificates__Default__Path"] = certificates.ServerCertificatePath,
            ["Kestrel__Certificates__Default__KeyPath"] = missingKey,
        }, workingDirectory: Path.GetDirectoryName(AppProcess.Dll));

        await process.WaitForExitAsync(TestClient.Patience * 3);

        Assert.NotEqual(0, process.ExitCode);
        Assert.Equal(
            $"Unhandled exception. TlsCertificateException: TLS file '{missingKey}' (Kestrel:Certificates:Default:KeyPath) does not exist.",
            process.Output.Trim());
    }

    private static async Task<TlsCertificateException> StartFailureAsync(Dictionary<string, string?> settings)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await (await DashboardApp.StartAsync(settings: settings)).DisposeAsync());
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is TlsCertificateException tls)
            {
                return tls;
            }
        }

        throw new Xunit.Sdk.XunitException($"Expected a TlsCertificateException, got: {error}");
    }
}
