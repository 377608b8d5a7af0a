using System.Globalization;
using Dashboard.IntegrationTests.Infrastructure;
using MQTTnet;

namespace Dashboard.IntegrationTests.Security;

/// <summary>Broker:ClientCertificateAuthority set: the MQTT TLS listeners take only clients with a certificate from that authority.</summary>
public sealed class ClientCertificateTests(ClientCertificateTests.Fixture fixture) : IClassFixture<ClientCertificateTests.Fixture>
{
    private DashboardApp App => fixture.App;
    private TestCertificates Certificates => fixture.Certificates;
    private string TlsPort => App.Tls.Mqtt.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task Mosquitto_pub_with_a_client_certificate_delivers()
    {
        var topic = NewTopic();
        await using var watcher = await TestClient.ConnectAsync(App);
        await watcher.SubscribeAsync(topic);

        var (exitCode, output) = await ExternalProcess.RunAsync("mosquitto_pub",
        [
            "--cafile", Certificates.CaPath, "--cert", Path.Combine(Certificates.Directory, "client.crt"),
            "--key", Path.Combine(Certificates.Directory, "client.key"), "-h", "localhost", "-p", TlsPort, "-t", topic, "-m", "21.5",
        ]);

        Assert.True(exitCode == 0, output);
        Assert.Equal("21.5", (await watcher.NextAsync()).Text());
    }

    [Fact]
    public async Task The_seeds_tls_set_example_with_its_client_certificate_publishes()
    {
        await using var watcher = await TestClient.ConnectAsync(App);
        await watcher.SubscribeAsync("home/living-room/temperature");

        await using var sensor = SeedScript.Start("001_tls.py", App.Tls.Mqtt, Certificates.Directory);

        Assert.Matches(@"^\d+\.\d$", (await watcher.NextAsync()).Text());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("server")] // from the right authority, but made for a server, not a client
    public async Task A_client_without_a_client_certificate_is_refused_and_the_broker_carries_on(string? certificate)
    {
        var topic = NewTopic();
        await using var watcher = await TestClient.ConnectAsync(App);
        await watcher.SubscribeAsync(topic);

        List<string> arguments = ["--cafile", Certificates.CaPath, "-h", "localhost", "-p", TlsPort, "-t", topic, "-m", "should not arrive"];
        if (certificate is not null)
        {
            arguments.AddRange(["--cert", Path.Combine(Certificates.Directory, $"{certificate}.crt"), "--key", Path.Combine(Certificates.Directory, $"{certificate}.key")]);
        }

        var (exitCode, output) = await ExternalProcess.RunAsync("mosquitto_pub", arguments);

        Assert.NotEqual(0, exitCode);
        Assert.True(await watcher.NothingArrivesAsync(TimeSpan.FromMilliseconds(300)), output);
        await watcher.PublishAsync(topic, "still up");
        Assert.Equal("still up", (await watcher.NextAsync()).Text());
    }

    private static string NewTopic() => "mtls/" + Guid.NewGuid().ToString("N")[..8];

    public sealed class Fixture : IAsyncLifetime
    {
        public TestCertificates Certificates { get; } = TestCertificates.Create();
        public DashboardApp App { get; private set; } = null!;

        public async Task InitializeAsync() => App = await DashboardApp.StartAsync(settings: new Dictionary<string, string?>(Certificates.Settings)
        {
            ["Broker:ClientCertificateAuthority"] = Certificates.CaPath,
        });

        public async Task DisposeAsync()
        {
            await App.DisposeAsync();
            Certificates.Dispose();
        }
    }
}
