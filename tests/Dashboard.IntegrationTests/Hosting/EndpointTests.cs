using System.Net;
using System.Net.WebSockets;
using Dashboard.IntegrationTests.Infrastructure;

namespace Dashboard.IntegrationTests.Hosting;

public sealed class EndpointTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private DashboardApp App => fixture.App;

    [Fact]
    public async Task Healthz_answers_200_when_the_broker_and_database_are_up()
    {
        using var http = App.CreateHttpClient();

        var response = await http.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_dashboard_port_does_not_serve_mqtt()
    {
        using var http = App.CreateHttpClient();
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/mqtt")).StatusCode);

        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("mqtt");
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri($"ws://127.0.0.1:{App.HttpPort}/mqtt"), CancellationToken.None));
    }

    [Fact]
    public async Task The_websocket_port_serves_only_mqtt_at_slash_mqtt()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{App.WebSocketPort}/") };
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/healthz")).StatusCode);

        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("mqtt");
        await socket.ConnectAsync(App.WebSocketUri, CancellationToken.None);
        Assert.Equal("mqtt", socket.SubProtocol);
    }

    [Fact]
    public async Task The_overview_page_is_served()
    {
        using var http = App.CreateHttpClient();

        var html = await http.GetStringAsync("/");

        Assert.Contains("Overview", html);
        Assert.Contains("Connected clients", html);
    }
}
