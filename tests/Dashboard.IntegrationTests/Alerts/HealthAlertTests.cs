using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Dashboard.Alerts;
using Dashboard.Broker.Metrics;
using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.Alerts;

/// <summary>Health rules over the real broker: real clients fail to log in, get refused, overflow their queue; the real disk.</summary>
public sealed class HealthAlertTests
{
    private static readonly Dictionary<string, string?> FastTicks = new() { ["Alerts:EvaluationInterval"] = "00:00:00.200" };

    private static async Task<AlertRuleDto> CreateRuleAsync(HttpClient http, object rule)
    {
        var response = await http.PostAsJsonAsync("api/alert-rules", rule);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<AlertRuleDto>())!;
    }

    private static async Task<AlertDto> AlertOfAsync(HttpClient http, AlertRuleDto rule, string state, TimeSpan? patience = null)
    {
        AlertDto? found = null;
        await DashboardApp.WaitUntilAsync(async () =>
        {
            var page = await http.GetFromJsonAsync<AlertPageDto>($"api/alerts?state={state}&rule={rule.Id}");
            found = page!.Items.FirstOrDefault();
            return found is not null;
        }, $"a{(state == "active" ? "n" : "")} {state} alert of '{rule.Name}'", patience);
        return found!;
    }

    [Fact]
    public async Task Failed_logins_with_a_wrong_password_raise_an_alert_naming_the_address_and_user_which_clears_after_the_window()
    {
        await using var app = await DashboardApp.StartAsync(settings: FastTicks);
        using var http = app.CreateHttpClient();
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("api/broker-users", new { name = "bob", password = "right password" })).StatusCode);
        // 10 s, not less: on a busy CI machine three refused CONNECTs (each a password check) can take seconds.
        var rule = await CreateRuleAsync(http, new { kind = "health", name = "Failed logins", signal = "failed-logins", threshold = 2, windowSeconds = 10 });
        Assert.Equal(("failed-logins", (double?)10, "more than 2 failed logins in 10 s"), (rule.Signal, rule.WindowSeconds, rule.Condition));

        for (var i = 0; i < 3; i++)
        {
            await using var client = await TestClient.ConnectAsync(TestClient.Options(app).WithCredentials("bob", "wrong password").Build());
            Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, client.ConnectResult!.ResultCode);
        }

        var raised = await AlertOfAsync(http, rule, "active");
        Assert.Equal(("health", "failed-logins", (string?)null, 3.0), (raised.Kind, raised.Signal, raised.Topic, raised.Value));
        Assert.Equal("3 failed logins in the last 10 s, most from 127.0.0.1 / user bob", raised.Message);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync($"api/alerts/{raised.Id}/ack", null)).StatusCode);

        var cleared = await AlertOfAsync(http, rule, "cleared", TimeSpan.FromSeconds(40)); // no more failures: the window empties
        Assert.Equal(raised.Id, cleared.Id);
        Assert.Equal(["active", "acknowledged", "cleared"], cleared.Events.Select(e => e.State));
        Assert.True(cleared.Events[^1].Value <= 2);
    }

    [Fact]
    public async Task A_banned_client_connecting_raises_a_refused_connections_alert()
    {
        await using var app = await DashboardApp.StartAsync(settings: FastTicks);
        using var http = app.CreateHttpClient();
        var id = $"banned-{Guid.NewGuid():N}"[..15];
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("api/bans", new { kind = "clientId", value = id, durationMinutes = 60 })).StatusCode);
        var rule = await CreateRuleAsync(http, new { kind = "health", name = "Refusals", signal = "refused-connections", threshold = 1, windowSeconds = 60, severity = "critical" });

        for (var i = 0; i < 2; i++)
        {
            await using var client = await TestClient.ConnectAsync(TestClient.Options(app, id).Build());
            Assert.NotEqual(MqttClientConnectResultCode.Success, client.ConnectResult!.ResultCode);
        }

        var raised = await AlertOfAsync(http, rule, "active");
        Assert.Equal(("critical", 2.0), (raised.Severity, raised.Value));
        Assert.Equal($"2 connections refused in the last 60 s, most from 127.0.0.1 / client {id}", raised.Message);
    }

    [Fact]
    public async Task A_subscriber_that_never_reads_overflows_its_queue_and_raises_a_dropped_messages_alert()
    {
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?>(FastTicks) { ["Broker:MaxQueuedMessages"] = "10" });
        using var http = app.CreateHttpClient();
        var rule = await CreateRuleAsync(http, new { kind = "health", name = "Drops", signal = "dropped-messages", threshold = 0, windowSeconds = 300 });
        var topic = $"stall/{Guid.NewGuid():N}";
        using var stalled = await StalledSubscriberAsync(app, topic);
        await using var publisher = await TestClient.ConnectAsync(app);
        var metrics = app.Services.GetRequiredService<BrokerMetrics>();

        var payload = new string('x', 16 * 1024);
        while (metrics.MessagesDropped == 0) // until socket buffers and the 10 queued are full
        {
            for (var i = 0; i < 50; i++)
            {
                await publisher.PublishAsync(topic, payload, MqttQualityOfServiceLevel.AtLeastOnce);
            }
        }

        var raised = await AlertOfAsync(http, rule, "active");
        Assert.Matches(@"^[\d,]+ messages? dropped in the last 5 min: [\d,]+ with a client's queue full$", raised.Message);
    }

    [Fact]
    public async Task Free_disk_space_below_a_threshold_above_what_the_disk_has_raises_an_alert_with_the_space_left()
    {
        await using var app = await DashboardApp.StartAsync(settings: FastTicks);
        using var http = app.CreateHttpClient();

        var rule = await CreateRuleAsync(http, new { kind = "health", name = "Low disk", signal = "free-disk-mb", threshold = 1e9 });

        var raised = await AlertOfAsync(http, rule, "active");
        Assert.Equal("free-disk-mb", raised.Signal);
        Assert.Matches(@"^[\d,]+ MB free \([\d.]+ %\) on the volume of .+ \(free disk space < 1000000000 MB\)$", raised.Message);
        Assert.Contains(Path.GetDirectoryName(app.DatabasePath)!, raised.Message);

        var edited = await http.PutAsJsonAsync($"api/alert-rules/{rule.Id}", new { kind = "health", name = "Low disk", signal = "free-disk-percent", threshold = 0 });
        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        Assert.Equal("rule changed", (await AlertOfAsync(http, rule, "cleared")).Events[^1].Note);
    }

    [Theory]
    [InlineData("""{"kind":"health","name":"x","signal":"cpu","threshold":1}""", "signal")]
    [InlineData("""{"kind":"health","name":"x","signal":"failed-logins","threshold":1}""", "windowSeconds")]
    [InlineData("""{"kind":"health","name":"x","signal":"failed-logins","threshold":1,"windowSeconds":"a lot"}""", "windowSeconds")]
    [InlineData("""{"kind":"health","name":"x","signal":"free-disk-percent","threshold":101}""", "threshold")]
    [InlineData("""{"kind":"health","name":"x","signal":"free-disk-mb","operator":">","threshold":1}""", "operator")]
    [InlineData("""{"kind":"health","name":"x","signal":"ingestion-backlog","threshold":1,"filter":"home/#"}""", "filter")]
    public async Task A_bad_health_rule_gets_a_400_naming_the_field(string body, string field)
    {
        await using var app = await DashboardApp.StartAsync();
        using var http = app.CreateHttpClient();

        var response = await http.PostAsync("api/alert-rules", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<Microsoft.AspNetCore.Mvc.ValidationProblemDetails>();
        Assert.Contains(field, problem!.Errors.Keys);
    }

    /// <summary>A raw TCP subscriber with a small receive window that reads CONNACK and SUBACK, then nothing more.</summary>
    private static async Task<TcpClient> StalledSubscriberAsync(DashboardApp app, string topic)
    {
        var tcp = new TcpClient { NoDelay = true, ReceiveBufferSize = 4096, LingerState = new LingerOption(true, 0) };
        await tcp.ConnectAsync(IPAddress.Loopback, app.MqttPort);
        var stream = tcp.GetStream();
        var clientId = $"stalled-{Guid.NewGuid():N}"[..20];
        await stream.WriteAsync(RawPackets.Connect(clientId, keepAlive: 0));
        await stream.WriteAsync(RawPackets.Subscribe(1, topic, 1));
        var ack = new byte[4 + 5]; // CONNACK, SUBACK
        using var timeout = new CancellationTokenSource(TestClient.Patience);
        await stream.ReadExactlyAsync(ack, timeout.Token);
        await app.WaitForClientAsync(clientId);
        return tcp;
    }
}
