using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.IntegrationTests.Infrastructure;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.External;

/// <summary>The dashboard as a client of an existing broker (Broker:Mode=External), here Debian's mosquitto.</summary>
public sealed class ExternalBrokerTests
{
    private static string NewName(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_reading_published_to_the_external_broker_shows_as_the_latest_reading()
    {
        await using var mosquitto = await Mosquitto.StartAsync();
        await using var app = await DashboardApp.StartAsync(settings: mosquitto.Settings(NewName("dash")));
        using var http = app.CreateHttpClient();
        await WaitForHealthyAsync(http);
        var device = NewName("ext/lab");

        await mosquitto.PublishAsync($"{device}/temperature", "21.5");

        var latest = await LatestAsync(http, topics => topics.ContainsKey($"{device}/temperature"));
        Assert.Equal(21.5, latest[$"{device}/temperature"].GetProperty("value").GetDouble());
        Assert.Equal(device, latest[$"{device}/temperature"].GetProperty("deviceId").GetString());
    }

    [Fact]
    public async Task A_retained_status_read_at_start_and_a_Last_Will_give_the_device_presence()
    {
        await using var mosquitto = await Mosquitto.StartAsync();
        var device = NewName("ext/node");
        // A device that was there before the dashboard: its retained "online", and a Last Will for when it drops.
        await mosquitto.PublishAsync($"{device}/status", "online", retain: true);
        await using var sensor = ExternalProcess.Start("stdbuf",
        [
            "-oL", "mosquitto_sub",
            "-h", "127.0.0.1", "-p", mosquitto.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-i", NewName("sensor"), "-t", $"{device}/cmd",
            "--will-topic", $"{device}/status", "--will-payload", "offline", "--will-retain", "--will-qos", "1", "-d",
        ]);
        await sensor.WaitForLineAsync("SUBACK");

        await using var app = await DashboardApp.StartAsync(settings: mosquitto.Settings(NewName("dash")));
        using var http = app.CreateHttpClient();
        await DevicesApi.PollAsync(http, list => DevicesApi.Status(list, device) == "online");

        sensor.Kill(); // no DISCONNECT: the broker sends the will
        await DevicesApi.PollAsync(http, list => DevicesApi.Status(list, device) == "offline");
    }

    [Fact]
    public async Task A_publish_from_the_dashboard_reaches_a_subscriber_of_the_external_broker()
    {
        await using var mosquitto = await Mosquitto.StartAsync();
        await using var app = await DashboardApp.StartAsync(settings: mosquitto.Settings(NewName("dash")));
        using var http = app.CreateHttpClient();
        await WaitForHealthyAsync(http);
        var topic = NewName("ext/relay") + "/set";
        await using var subscriber = ExternalProcess.Start("stdbuf",
            ["-oL", "mosquitto_sub", "-h", "127.0.0.1", "-p", mosquitto.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-t", topic, "-v", "-d"]);
        await subscriber.WaitForLineAsync("SUBACK");

        var published = await http.PostAsJsonAsync("api/publish", new { topic, payload = "ON", qos = 1 });

        Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        await subscriber.WaitForLineAsync($"{topic} ON");
    }

    [Fact]
    public async Task The_broker_administration_is_the_external_brokers()
    {
        await using var mosquitto = await Mosquitto.StartAsync();
        await using var app = await DashboardApp.StartAsync(settings: mosquitto.Settings(NewName("dash")));
        using var http = app.CreateHttpClient();
        await WaitForHealthyAsync(http);

        foreach (var route in new[] { "api/clients", "api/bans", "api/retained", "api/broker-users", "api/broker-acl/anonymous" })
        {
            using var response = await http.GetAsync(route);
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Contains($"mqtt://127.0.0.1:{mosquitto.Port}", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        // No broker of its own: the MQTT port it would have used stays closed.
        using var socket = new System.Net.Sockets.TcpClient();
        await Assert.ThrowsAsync<System.Net.Sockets.SocketException>(() => socket.ConnectAsync("127.0.0.1", app.MqttPort));
    }

    [Fact]
    public async Task The_dashboard_reconnects_when_the_external_broker_restarts()
    {
        await using var mosquitto = await Mosquitto.StartAsync();
        await using var app = await DashboardApp.StartAsync(settings: mosquitto.Settings(NewName("dash")));
        using var http = app.CreateHttpClient();
        await WaitForHealthyAsync(http);

        await mosquitto.StopAsync();
        await DashboardApp.WaitUntilAsync(async () => (await http.GetAsync("healthz")).StatusCode == HttpStatusCode.ServiceUnavailable, "/healthz to report the lost broker");
        await mosquitto.StartAgainAsync();
        await WaitForHealthyAsync(http);

        var device = NewName("ext/after");
        await mosquitto.PublishAsync($"{device}/humidity", "40");
        await LatestAsync(http, topics => topics.ContainsKey($"{device}/humidity"));
    }

    internal static Task WaitForHealthyAsync(HttpClient http) =>
        // The back-off between attempts grows to 30 s; a restart of the broker is usually back within a few seconds.
        DashboardApp.WaitUntilAsync(async () => (await http.GetAsync("healthz")).StatusCode == HttpStatusCode.OK, "/healthz to report the external broker connected",
            TimeSpan.FromSeconds(40));

    /// <summary>The latest readings by topic, once <paramref name="done"/> holds.</summary>
    internal static async Task<Dictionary<string, JsonElement>> LatestAsync(HttpClient http, Func<Dictionary<string, JsonElement>, bool> done)
    {
        Dictionary<string, JsonElement> latest = [];
        await DashboardApp.WaitUntilAsync(async () =>
        {
            latest = (await http.GetFromJsonAsync<JsonElement[]>("api/readings/latest") ?? [])
                .GroupBy(r => r.GetProperty("topic").GetString()!).ToDictionary(g => g.Key, g => g.First());
            return done(latest);
        }, "the latest readings");
        return latest;
    }
}
