using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Dashboard.Broker.Status;
using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Packets;

namespace Dashboard.IntegrationTests.Security;

/// <summary>One broker with a certificate (from a throw-away authority): MQTT over TLS, WSS and HTTPS, beside the plain listeners.</summary>
public sealed class TlsTests(TlsTests.Fixture fixture) : IClassFixture<TlsTests.Fixture>
{
    private DashboardApp App => fixture.App;
    private TestCertificates Certificates => fixture.Certificates;
    private string TlsPort => App.Tls.Mqtt.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task Mosquitto_pub_with_the_ca_file_delivers_over_tls()
    {
        var topic = NewTopic();
        await using var subscriber = await ConnectTlsAsync();
        await subscriber.SubscribeAsync(topic);

        var (exitCode, output) = await ExternalProcess.RunAsync("mosquitto_pub",
            ["--cafile", Certificates.CaPath, "-h", "localhost", "-p", TlsPort, "-t", topic, "-m", "23.5"]);

        Assert.True(exitCode == 0, output);
        Assert.Equal("23.5", (await subscriber.NextAsync()).Text());
    }

    [Fact]
    public async Task Mosquitto_sub_with_the_ca_file_receives_over_tls()
    {
        var topic = NewTopic();
        await using var publisher = await ConnectTlsAsync();
        await publisher.PublishAsync(topic, "retained over tls", retain: true);

        var (exitCode, output) = await ExternalProcess.RunAsync("mosquitto_sub",
            ["--cafile", Certificates.CaPath, "-h", "127.0.0.1", "-p", TlsPort, "-t", topic, "-C", "1", "-W", "10"]);

        Assert.True(exitCode == 0, output);
        Assert.Equal("retained over tls", output.Trim());
    }

    [Fact]
    public async Task A_client_trusting_another_authority_is_refused_and_the_broker_carries_on()
    {
        var topic = NewTopic();
        await using var subscriber = await ConnectTlsAsync();
        await subscriber.SubscribeAsync(topic);

        var (exitCode, output) = await ExternalProcess.RunAsync("mosquitto_pub",
            ["--cafile", Certificates.OtherCaPath, "-h", "127.0.0.1", "-p", TlsPort, "-t", topic, "-m", "should not arrive"]);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("TLS", output, StringComparison.Ordinal);
        Assert.True(await subscriber.NothingArrivesAsync(TimeSpan.FromMilliseconds(300)));
        await using var next = await ConnectTlsAsync();
        await next.PublishAsync(topic, "still up");
        Assert.Equal("still up", (await subscriber.NextAsync()).Text());
    }

    [Fact]
    public async Task An_mqttnet_client_over_tls_round_trips()
    {
        var topic = NewTopic();
        await using var client = await ConnectTlsAsync();
        await client.SubscribeAsync(topic);

        await client.PublishAsync(topic, "hello over tls");

        Assert.Equal("hello over tls", (await client.NextAsync()).Text());
    }

    [Fact]
    public async Task A_client_asking_for_the_alpn_protocol_mqtt_is_served()
    {
        await using var client = await TestClient.ConnectAsync(TestClient.Options(App)
            .WithTcpServer("127.0.0.1", App.Tls.Mqtt)
            .WithTlsOptions(o => o.UseTls().WithTrustChain([Certificates.Ca]).WithApplicationProtocols([new SslApplicationProtocol("mqtt")]))
            .Build());

        Assert.True(client.Client.IsConnected);
    }

    [Fact]
    public async Task An_mqttnet_client_over_secure_websockets_round_trips_with_a_plain_tcp_client()
    {
        var topic = NewTopic();
        await using var browserLike = await TestClient.ConnectAsync(TestClient.Options(App, webSocket: true)
            .WithWebSocketServer(o => o.WithUri(App.Tls.WebSocketUri.ToString()))
            .WithTlsOptions(o => o.UseTls().WithCertificateValidationHandler(e => TrustedByTestCa(e.Certificate, e.SslPolicyErrors)))
            .Build());
        await browserLike.SubscribeAsync(topic);
        await using var device = await TestClient.ConnectAsync(App);

        await device.PublishAsync(topic, "from tcp to wss");

        Assert.Equal("from tcp to wss", (await browserLike.NextAsync()).Text());
    }

    [Fact]
    public async Task The_seeds_tls_set_example_publishes_over_tls()
    {
        await using var watcher = await ConnectTlsAsync();
        await watcher.SubscribeAsync("home/living-room/temperature");

        await using var sensor = SeedScript.Start("001_tls.py", App.Tls.Mqtt, Certificates.Directory);

        Assert.Matches(@"^\d+\.\d$", (await watcher.NextAsync()).Text());
    }

    [Fact]
    public async Task The_dashboard_answers_over_https_with_the_configured_certificate()
    {
        X509Certificate2? presented = null;
        using var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            presented = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return TrustedByTestCa(certificate, errors);
        };
        using var https = new HttpClient(handler) { BaseAddress = App.Tls.HttpsBase };

        var response = await https.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
        using var expected = X509CertificateLoader.LoadCertificateFromFile(Certificates.ServerCertificatePath);
        Assert.Equal(expected.Thumbprint, presented?.Thumbprint);
        Assert.Equal(HttpStatusCode.NotFound, (await https.GetAsync("/mqtt")).StatusCode);
    }

    [Fact]
    public async Task The_overview_lists_the_tls_listeners_and_how_to_use_them()
    {
        await DashboardApp.WaitUntilAsync(() => App.Services.GetRequiredService<BrokerStatusFeed>().Current.Listeners.Count > 0, "the first status sample");
        using var http = App.CreateHttpClient();

        var html = WebUtility.HtmlDecode(await http.GetStringAsync("/"));

        Assert.Contains($"mqtts://127.0.0.1:{App.Tls.Mqtt}", html, StringComparison.Ordinal);
        Assert.Contains($"wss://127.0.0.1:{App.Tls.WebSocket}/mqtt", html, StringComparison.Ordinal);
        Assert.Contains($"https://127.0.0.1:{App.Tls.Https}", html, StringComparison.Ordinal);
        Assert.Contains($"mosquitto_pub --cafile ca.crt -h 127.0.0.1 -p {App.Tls.Mqtt}", html, StringComparison.Ordinal);
        Assert.Contains($"mqtt.connect(\"wss://127.0.0.1:{App.Tls.WebSocket}/mqtt\")", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plain_mqtt_client_on_the_tls_port_is_refused_and_the_broker_carries_on()
    {
        var plainOnTlsPort = TestClient.Options(App).WithTcpServer("127.0.0.1", App.Tls.Mqtt).Build();
        await Assert.ThrowsAnyAsync<Exception>(() => TestClient.ConnectAsync(plainOnTlsPort));

        await using (var raw = await RawMqttSocket.ConnectAsync(App.Tls.Mqtt))
        {
            await raw.SendAsync(new MqttConnectPacket { ClientId = "plain-on-tls", CleanSession = true, KeepAlivePeriod = 30 });
            Assert.True(await raw.ClosedByBrokerWithinAsync(TestClient.Patience));
        }

        await using var tls = await ConnectTlsAsync();
        await using var plain = await TestClient.ConnectAsync(App);
        Assert.True(tls.Client.IsConnected && plain.Client.IsConnected);
    }

    private Task<TestClient> ConnectTlsAsync() => TestClient.ConnectAsync(TestClient.Options(App)
        .WithTcpServer("127.0.0.1", App.Tls.Mqtt)
        .WithTlsOptions(o => o.UseTls().WithTrustChain([Certificates.Ca]))
        .Build());

    /// <summary>Valid for its name and chained to the test authority, which no system store knows.</summary>
    private bool TrustedByTestCa(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Certificates.Ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }

    private static string NewTopic() => "tls/" + Guid.NewGuid().ToString("N")[..8];

    public sealed class Fixture : IAsyncLifetime
    {
        public TestCertificates Certificates { get; } = TestCertificates.Create();
        public DashboardApp App { get; private set; } = null!;

        public async Task InitializeAsync() => App = await DashboardApp.StartAsync(settings: Certificates.Settings);

        public async Task DisposeAsync()
        {
            await App.DisposeAsync();
            Certificates.Dispose();
        }
    }
}
