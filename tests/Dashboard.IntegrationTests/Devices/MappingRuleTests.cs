using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.IntegrationTests.Infrastructure;
using static Dashboard.IntegrationTests.Infrastructure.DevicesApi;

namespace Dashboard.IntegrationTests.Devices;

/// <summary>
/// The user's mapping rules through the real app: a rule added through <c>PUT /api/device-mapping-rules</c> takes the next
/// <c>mosquitto_pub</c> at once (no restart) and is kept across a restart; configured rules come first; bad patterns are
/// refused with the reason.
/// </summary>
public sealed class MappingRuleTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private DashboardApp App => fixture.App;

    private static string NewId() => Guid.NewGuid().ToString("N")[..8];

    private static Task<(int ExitCode, string Output)> MosquittoPubAsync(DashboardApp app, string topic, string payload) =>
        ExternalProcess.RunAsync("mosquitto_pub",
            ["-h", "127.0.0.1", "-p", app.MqttPort.ToString(CultureInfo.InvariantCulture), "-q", "1", "-t", topic, "-m", payload]);

    private static Task<HttpResponseMessage> PutRulesAsync(HttpClient http, params string[] patterns) =>
        http.PutAsJsonAsync("api/device-mapping-rules", new { rules = patterns.Select(p => new { pattern = p }) });

    [Fact]
    public async Task A_rule_added_through_the_api_names_the_device_and_metric_of_the_next_publish_and_survives_a_restart()
    {
        var databasePath = DashboardApp.NewDatabasePath();
        var id = NewId();
        await using (var app = await DashboardApp.StartAsync(databasePath))
        {
            using var http = app.CreateHttpClient();
            using var put = await PutRulesAsync(http, $"plant{id}/{{device}}/sensors/{{metric}}");
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);

            Assert.Equal(0, (await MosquittoPubAsync(app, $"plant{id}/pump1/sensors/flow", "12.5")).ExitCode);

            var devices = await PollAsync(http, list => Device(list, "pump1") is not null);
            Assert.Equal((12.5, null), Metrics(Device(devices, "pump1")!.Value)["flow"]);
            Assert.Empty(Ids(devices, $"plant{id}")); // not the generic plant…/pump1/sensors
        }

        await using var restarted = await DashboardApp.StartAsync(databasePath);
        using var again = restarted.CreateHttpClient();
        var rules = await again.GetFromJsonAsync<JsonElement>("api/device-mapping-rules");
        Assert.Equal($"plant{id}/{{device}}/sensors/{{metric}}", rules.GetProperty("rules")[0].GetProperty("pattern").GetString());

        Assert.Equal(0, (await MosquittoPubAsync(restarted, $"plant{id}/pump2/sensors/pressure", "3 bar")).ExitCode);
        var after = await PollAsync(again, list => Device(list, "pump2") is not null);
        Assert.Equal((3, "bar"), Metrics(Device(after, "pump2")!.Value)["pressure"]);
    }

    [Fact]
    public async Task Configured_rules_come_before_the_settings_rules_and_before_the_firmware_conventions()
    {
        var id = NewId();
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Devices:MappingRules:0"] = "lab/+/{device}/data",
            ["Devices:MappingRules:1"] = "tele/{device}/SENSOR",
        });
        using var http = app.CreateHttpClient();
        using var put = await PutRulesAsync(http, "lab/{device}/#");
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        await MosquittoPubAsync(app, $"lab/room3/scope{id}/data", """{"volts": 4.5, "amps": 0.2}""");
        await MosquittoPubAsync(app, $"lab/bench{id}/x/y/z", "7");
        await MosquittoPubAsync(app, $"tele/kitchen{id}/SENSOR", """{"AM2301": {"Temperature": 20}}"""); // Tasmota's, taken by the rule

        var devices = await PollAsync(http, list => Device(list, $"scope{id}") is not null && Device(list, $"bench{id}") is not null
            && Device(list, $"kitchen{id}") is not null);
        Assert.Equal(["amps", "volts"], Metrics(Device(devices, $"scope{id}")!.Value).Keys.Order(StringComparer.Ordinal));
        Assert.Equal(7, Metrics(Device(devices, $"bench{id}")!.Value)["z"].Value);
        Assert.Equal(20, Metrics(Device(devices, $"kitchen{id}")!.Value)["AM2301.Temperature"].Value); // not Tasmota's "AM2301 Temperature"

        var rules = await http.GetFromJsonAsync<JsonElement>("api/device-mapping-rules");
        Assert.Equal(["lab/+/{device}/data", "tele/{device}/SENSOR"],
            rules.GetProperty("configured").EnumerateArray().Select(r => r.GetProperty("pattern").GetString()));
    }

    [Fact]
    public async Task Invalid_patterns_are_refused_naming_the_rule_and_the_reason_and_change_nothing()
    {
        using var http = App.CreateHttpClient();
        using var valid = await PutRulesAsync(http, "keep/{device}/{metric}");
        Assert.Equal(HttpStatusCode.OK, valid.StatusCode);

        using var response = await PutRulesAsync(http, "ok/{device}", "a/{device}/{device}", "b/#/{device}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("{device} may appear only once", problem.GetProperty("errors").GetProperty("rules[1]")[0].GetString());
        Assert.Contains("# may only be the last level", problem.GetProperty("errors").GetProperty("rules[2]")[0].GetString());
        var rules = await http.GetFromJsonAsync<JsonElement>("api/device-mapping-rules");
        Assert.Equal("keep/{device}/{metric}", rules.GetProperty("rules")[0].GetProperty("pattern").GetString());
        using var empty = await PutRulesAsync(http);
        Assert.Equal(HttpStatusCode.OK, empty.StatusCode);
    }

    [Fact]
    public async Task A_viewer_may_read_the_rules_but_not_change_them()
    {
        var key = await App.CreateApiKeyAsync("Viewer", "mapping-viewer");
        using var viewer = App.CreateHttpClient(key);

        using var read = await viewer.GetAsync("api/device-mapping-rules");
        using var write = await PutRulesAsync(viewer, "x/{device}");

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
    }
}
