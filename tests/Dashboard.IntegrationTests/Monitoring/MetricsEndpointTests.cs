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
        using var prometheus = new HttpClient { BaseAddress = App.HttpBase };
        prometheus.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await App.CreateApiKeyAsync(DashboardRoles.Viewer, "prometheus"));
        var before = await ScrapeAsync(prometheus);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(0, (await ExternalProcess.RunAsync("mosquitto_pub",
                ["-h", "127.0.0.1", "-p", App.MqttPort.ToString(CultureInfo.InvariantCulture), "-t", "metrics/test/temperature", "-m", "21.5"])).ExitCode);
        }

        // prometheus-net's registry is the process's: in this test process several apps run, so the values mix theirs, and
        // only that the broker's counter moves is certain (in production one app is one process).
        await DashboardApp.WaitUntilAsync(async () =>
            (await ScrapeAsync(prometheus))["dashboard_broker_mqtt_messages_received"] > before["dashboard_broker_mqtt_messages_received"],
            "more messages received in /metrics");
        var after = await ScrapeAsync(prometheus);
        Assert.Contains("dashboard_ingestion_events", after.Keys);
        Assert.Contains("dashboard_ingestion_backlog", after.Keys);
        Assert.Contains("dashboard_alerts_active", after.Keys);
        Assert.Contains("dashboard_broker_mqtt_clients_connected", after.Keys);
        // ASP.NET Core's own request meter, by route: the scrapes so far.
        Assert.Contains(after, sample => sample.Key.StartsWith("microsoft_aspnetcore_hosting_http_server_request_duration_count{", StringComparison.Ordinal)
            && sample.Key.Contains("http_route=/metrics", StringComparison.Ordinal) && sample.Value >= 1);
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
