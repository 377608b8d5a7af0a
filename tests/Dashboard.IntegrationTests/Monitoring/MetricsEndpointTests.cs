using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Dashboard.Accounts;
using Dashboard.IntegrationTests.Infrastructure;

namespace Dashboard.IntegrationTests.Monitoring;

/// <summary><c>GET /metrics</c> as Prometheus reads it: a bearer API key, the text format parsed by Debian's prometheus_client.</summary>
public sealed class MetricsEndpointTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private DashboardApp App => fixture.App;

    /// <summary>Every sample of a scrape as "name{labels} value", parsed by prometheus_client (a parse error fails the test).</summary>
    private static async Task<Dictionary<string, double>> ScrapeAsync(HttpClient prometheus)
    {
        var text = await prometheus.GetStringAsync("metrics");
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, text);
        try
        {
            var (exitCode, output) = await ExternalProcess.RunAsync("/usr/bin/python3",
            [
                "-c",
                "import sys\nfrom prometheus_client.parser import text_string_to_metric_families\n" +
                "for family in text_string_to_metric_families(open(sys.argv[1]).read()):\n" +
                "    for s in family.samples:\n" +
                "        print(s.name + '|' + ','.join(f'{k}={v}' for k, v in sorted(s.labels.items())) + '|' + repr(s.value))\n",
                file,
            ]);
            Assert.True(exitCode == 0, $"prometheus_client could not parse /metrics:\n{output}");
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('|'))
                .Where(parts => parts.Length == 3)
                .GroupBy(parts => parts[0] + (parts[1].Length > 0 ? "{" + parts[1] + "}" : ""))
                .ToDictionary(g => g.Key, g => double.Parse(g.First()[2], CultureInfo.InvariantCulture));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Prometheus_with_a_key_reads_the_broker_s_and_the_dashboard_s_figures_as_they_move()
    {
        // prometheus-net's registry is the process's: the app runs as its own process, as in production, so its figures are
        // its own and not mixed with the other apps this test process hosts.
        var database = DashboardApp.NewDatabasePath();
        string key;
        await using (var setup = await DashboardApp.StartAsync(database))
        {
            key = await setup.CreateApiKeyAsync(DashboardRoles.Viewer, "prometheus");
        }

        await using var app = await AppProcess.StartAsync(database);
        using var prometheus = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{app.HttpPort}/") };
        prometheus.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var before = await ScrapeAsync(prometheus);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(0, (await ExternalProcess.RunAsync("mosquitto_pub",
                ["-h", "127.0.0.1", "-p", app.MqttPort.ToString(CultureInfo.InvariantCulture), "-t", "metrics/test/temperature", "-m", "21.5"])).ExitCode);
        }

        Dictionary<string, double> after = [];
        await DashboardApp.WaitUntilAsync(async () =>
            (after = await ScrapeAsync(prometheus))["dashboard_ingestion_events"] >= before["dashboard_ingestion_events"] + 3
                && after["dashboard_ingestion_backlog"] == 0,
            "ingestion's three readings in /metrics, and nothing left to ingest");
        Assert.Equal(3, after["dashboard_broker_mqtt_messages_received"] - before["dashboard_broker_mqtt_messages_received"]);
        Assert.Equal(0, after["dashboard_alerts_active"]);
        Assert.Equal(0, after["dashboard_broker_mqtt_clients_connected"]); // each mosquitto_pub has left
        // ASP.NET Core's own request meter, by route, from the start: the health checks before the first scrape included.
        Assert.Contains(after, sample => sample.Key.StartsWith("microsoft_aspnetcore_hosting_http_server_request_duration_count{", StringComparison.Ordinal)
            && sample.Key.Contains("http_route=/metrics", StringComparison.Ordinal) && sample.Value >= 1);
        Assert.Contains(after, sample => sample.Key.StartsWith("microsoft_aspnetcore_hosting_http_server_request_duration_count{", StringComparison.Ordinal)
            && sample.Key.Contains("http_route=/healthz", StringComparison.Ordinal) && sample.Value >= 1);
    }

    [Fact]
    public async Task Without_a_key_or_with_a_wrong_one_the_scrape_is_refused()
    {
        using var anonymous = new HttpClient { BaseAddress = App.HttpBase };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("metrics")).StatusCode);

        anonymous.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-key");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("metrics")).StatusCode);
    }
}
