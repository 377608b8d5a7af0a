using System.Globalization;
using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.Playwright;
using MQTTnet;

namespace Dashboard.IntegrationTests.EndToEnd;

/// <summary>What a user watches on the Overview and Topics pages while devices publish, fail and get commands.</summary>
public sealed class LiveDashboardTests(Browser browser, AppFixture fixture) : IClassFixture<Browser>, IClassFixture<AppFixture>
{
    private DashboardApp App => fixture.App;

    private static ILocator Reading(IPage page, string device, string metric) =>
        page.Locator($"[data-device='{device}'] [data-metric='{metric}'] .metric-reading");

    private static ILocator Badge(IPage page, string device) => page.Locator($"[data-device='{device}'] .status-badge");

    private static string NewDevice() => "home/e2e-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_value_published_over_tcp_appears_and_updates_without_a_reload()
    {
        var device = NewDevice();
        var page = await browser.OpenAsync(App);
        await using var sensor = await TestClient.ConnectAsync(App);

        await sensor.PublishAsync($"{device}/temperature", "23.5°C");
        await Assertions.Expect(Reading(page, device, "temperature")).ToHaveTextAsync("23.5°C");
        await Assertions.Expect(Badge(page, device)).ToHaveTextAsync("online");

        await sensor.PublishAsync($"{device}/telemetry", """{"humidity": 45.25, "timestamp": 1795435200}""");
        await sensor.PublishAsync($"{device}/temperature", "24.0°C");
        await Assertions.Expect(Reading(page, device, "temperature")).ToHaveTextAsync("24°C");
        await Assertions.Expect(Reading(page, device, "humidity")).ToHaveTextAsync("45.25");
    }

    [Fact]
    public async Task A_killed_device_with_a_will_goes_offline()
    {
        var device = NewDevice();
        var clientId = "kill-" + Guid.NewGuid().ToString("N")[..8];
        var page = await browser.OpenAsync(App);
        await using var process = ExternalProcess.Start("mosquitto_sub",
        [
            "-h", "127.0.0.1", "-p", App.MqttPort.ToString(CultureInfo.InvariantCulture), "-i", clientId, "-t", $"{device}/set",
            "--will-topic", $"{device}/status", "--will-payload", "offline", "--will-qos", "1", "--will-retain",
        ]);
        await App.WaitForClientAsync(clientId);
        await Publish("-t", $"{device}/status", "-m", "online", "-r");
        await Publish("-t", $"{device}/temperature", "-m", "21.5");
        await Assertions.Expect(Badge(page, device)).ToHaveTextAsync("online");

        process.Kill();

        await Assertions.Expect(Badge(page, device)).ToHaveTextAsync("offline");
        await Assertions.Expect(Reading(page, device, "temperature")).ToHaveTextAsync("21.5");
    }

    [Fact]
    public async Task A_websocket_device_shows_its_values_and_goes_offline_when_its_connection_drops()
    {
        var device = NewDevice();
        var page = await browser.OpenAsync(App);
        var sensor = await TestClient.ConnectAsync(TestClient.Options(App, webSocket: true)
            .WithWillTopic($"{device}/status").WithWillPayload("offline").WithWillRetain().Build());
        await sensor.PublishAsync($"{device}/status", "online", retain: true);
        await sensor.PublishAsync($"{device}/temperature", "19.75");
        await Assertions.Expect(Reading(page, device, "temperature")).ToHaveTextAsync("19.75");
        await Assertions.Expect(Badge(page, device)).ToHaveTextAsync("online");

        sensor.Client.Dispose(); // aborts the WebSocket without DISCONNECT: the broker sends the will

        await Assertions.Expect(Badge(page, device)).ToHaveTextAsync("offline");
    }

    [Fact]
    public async Task Markup_in_topics_and_payloads_stays_text()
    {
        var page = await browser.OpenAsync(App);
        var dialogs = new List<string>();
        page.Dialog += (_, dialog) =>
        {
            dialogs.Add(dialog.Message);
            _ = dialog.DismissAsync();
        };
        var evilDevice = "xss/<img src=x onerror=\"window.__xss=1;alert(1)\">";
        var evilTopic = $"xss/note-{Guid.NewGuid():N}";
        await using var attacker = await TestClient.ConnectAsync(App);

        await attacker.PublishAsync($"{evilDevice}/temperature", "21");
        await attacker.PublishAsync(evilTopic, "<script>window.__xss=2;alert(2)</script><img src=x onerror=\"window.__xss=3\">");

        await Assertions.Expect(page.Locator($"[data-device='{evilDevice.Replace("\"", "\\\"", StringComparison.Ordinal)}'] .device-name"))
            .ToHaveTextAsync(evilDevice);
        var topics = await browser.OpenAsync(App, "topics");
        topics.Dialog += (_, dialog) =>
        {
            dialogs.Add(dialog.Message);
            _ = dialog.DismissAsync();
        };
        await topics.GetByPlaceholder("Filter topics").FillAsync(evilTopic);
        await Assertions.Expect(topics.Locator(".topics-summary")).ToHaveTextAsync("1 topic");
        await topics.Locator(".topic-tree").GetByText(evilTopic.Split('/')[1], new() { Exact = true }).ClickAsync();
        await Assertions.Expect(topics.Locator("pre.payload")).ToContainTextAsync("<script>window.__xss=2;alert(2)</script>");

        Assert.Empty(dialogs);
        Assert.Equal(0, await page.Locator("img[src=x]").CountAsync() + await topics.Locator("img[src=x]").CountAsync());
        Assert.True(await page.EvaluateAsync<bool>("() => window.__xss === undefined"));
        Assert.True(await topics.EvaluateAsync<bool>("() => window.__xss === undefined"));
    }

    [Fact]
    public async Task The_topic_filter_takes_mqtt_wildcards_and_says_when_nothing_matches_and_picking_a_topic_leaves_the_publish_panel_alone()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        await using var sensors = await TestClient.ConnectAsync(App);
        foreach (var room in new[] { "kitchen", "hall" })
        {
            await sensors.PublishAsync($"wild-{run}/{room}/temperature", "21");
            await sensors.PublishAsync($"wild-{run}/{room}/humidity", "40");
        }

        var page = await browser.OpenAsync(App, "topics");
        var filter = page.GetByPlaceholder("Filter topics");
        await filter.FillAsync($"wild-{run}/+/temperature");
        await Assertions.Expect(page.Locator(".topics-summary")).ToHaveTextAsync("2 topics");

        await filter.FillAsync($"wild-{run}/#");
        await Assertions.Expect(page.Locator(".topics-summary")).ToHaveTextAsync("4 topics");

        await filter.FillAsync($"wild-{run}/garage/+");
        await Assertions.Expect(page.Locator(".no-match")).ToContainTextAsync($"No topic matches “wild-{run}/garage/+”");

        // Picking a topic shows it; only the explicit button puts it into the publish panel.
        await filter.FillAsync($"wild-{run}/hall/humidity");
        await page.Locator(".topic-tree").GetByText("humidity", new() { Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator(".topic-name")).ToHaveTextAsync($"wild-{run}/hall/humidity");
        var topic = page.Locator(".publish-panel").GetByLabel("Topic");
        await Assertions.Expect(topic).Not.ToHaveValueAsync($"wild-{run}/hall/humidity");
        await page.Locator(".use-topic").ClickAsync();
        await Assertions.Expect(topic).ToHaveValueAsync($"wild-{run}/hall/humidity");
    }

    [Fact]
    public async Task The_publish_panel_switches_an_led()
    {
        await using var led = await TestClient.ConnectAsync(App);
        await led.SubscribeAsync("home/led/set");
        var page = await browser.OpenAsync(App, "topics");

        await page.Locator(".publish-panel").GetByLabel("Topic").FillAsync("home/led/set");
        await page.Locator(".publish-panel").GetByLabel("Payload").FillAsync("ON");
        await page.Locator(".publish-button").ClickAsync();

        var command = await led.NextAsync();
        Assert.Equal(("home/led/set", "ON"), (command.Topic, command.Text()));
        await Assertions.Expect(page.GetByText("Published to home/led/set")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_publish_from_the_panel_names_the_dashboard_and_its_user_as_the_publisher_beside_the_clients()
    {
        var topic = $"lamp-{Guid.NewGuid().ToString("N")[..8]}/set";
        var page = await browser.OpenAsync(App, "topics");

        await page.Locator(".publish-panel").GetByLabel("Topic").FillAsync(topic);
        await page.Locator(".publish-panel").GetByLabel("Payload").FillAsync("ON");
        await page.Locator(".publish-button").ClickAsync();
        await Assertions.Expect(page.GetByText($"Published to {topic}")).ToBeVisibleAsync();
        await Publish("-i", "wall-switch", "-t", topic, "-m", "OFF");

        await page.GetByPlaceholder("Filter topics").FillAsync(topic);
        await Assertions.Expect(page.Locator(".topics-summary")).ToHaveTextAsync("1 topic");
        await page.Locator(".topic-tree").GetByText("set", new() { Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator(".publishers")).ToHaveTextAsync($"this dashboard ({DashboardApp.AdminUser}), wall-switch");
    }

    [Fact]
    public async Task The_publish_panel_refuses_a_wildcard_topic()
    {
        var page = await browser.OpenAsync(App, "topics");

        await page.Locator(".publish-panel").GetByLabel("Topic").FillAsync("home/+/set");
        await page.Locator(".publish-panel").GetByLabel("Payload").FillAsync("ON");

        await Assertions.Expect(page.GetByText("Wildcards (+, #) are for subscribing; publish to one topic.")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".publish-button")).ToBeDisabledAsync();
    }

    private async Task Publish(params string[] arguments)
    {
        var (exitCode, output) = await ExternalProcess.RunAsync("mosquitto_pub",
            ["-h", "127.0.0.1", "-p", App.MqttPort.ToString(CultureInfo.InvariantCulture), "-q", "1", .. arguments]);
        Assert.True(exitCode == 0, output);
    }
}
