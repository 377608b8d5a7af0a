using Bunit;
using Dashboard.Components.Devices;
using Dashboard.Live;
using Dashboard.Tests.Live;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace Dashboard.Tests.Components;

/// <remarks>MudBlazor's key interceptor is only async-disposable, so the context is disposed through <see cref="IAsyncLifetime"/>.</remarks>
public sealed class DeviceBoardTests : BunitContext, IAsyncLifetime
{
    private readonly LiveFixture _live = new();

    public DeviceBoardTests()
    {
        Services.AddMudServices();
        Services.AddSingleton(_live.State);
        Services.AddSingleton(_live.Feed);
        Services.AddControlsFor(_live.State, _live.Feed);
        JSInterop.Mode = JSRuntimeMode.Loose;
        JSInterop.SetupModule("./js/charts.js").Mode = JSRuntimeMode.Loose;
    }

    private static string Reading(IRenderedComponent<DeviceBoard> board, string device, string metric) =>
        board.Find($"[data-device='{device}'] [data-metric='{metric}'] .metric-reading").TextContent.Trim();

    private static string Badge(IRenderedComponent<DeviceBoard> board, string device) =>
        board.Find($"[data-device='{device}'] .status-badge").TextContent.Trim();

    [Fact]
    public void A_card_shows_each_metric_with_its_unit()
    {
        _live.Publish("home/sensor1/status", "online");
        _live.Publish("home/sensor1/temperature", "23.5°C");
        _live.Publish("home/sensor1/humidity", "45 %");

        var board = Render<DeviceBoard>();

        Assert.Equal("23.5°C", Reading(board, "home/sensor1", "temperature"));
        Assert.Equal("45%", Reading(board, "home/sensor1", "humidity"));
        Assert.Equal("online", Badge(board, "home/sensor1"));
    }

    [Fact]
    public void A_state_shows_the_word_it_was_sent_as()
    {
        _live.Publish("garden/pump/power", "ON");
        _live.Publish("home/light/telemetry", """{"state": "off", "brightness": 80}""");

        var board = Render<DeviceBoard>();

        Assert.Equal("ON", Reading(board, "garden/pump", "power"));
        Assert.Equal("off", Reading(board, "home/light", "state"));
        Assert.Equal("80", Reading(board, "home/light", "brightness"));
    }

    [Fact]
    public void A_card_updates_when_the_feed_publishes_a_new_value()
    {
        _live.Publish("home/sensor1/temperature", "21");
        var board = Render<DeviceBoard>();
        Assert.Equal("21", Reading(board, "home/sensor1", "temperature"));

        _live.Publish("home/sensor1/temperature", "22.25");
        _live.Feed.Flush();

        board.WaitForAssertion(() => Assert.Equal("22.25", Reading(board, "home/sensor1", "temperature")));
    }

    [Fact]
    public void A_new_device_gets_its_card_live()
    {
        var board = Render<DeviceBoard>();
        Assert.Contains("No devices yet", board.Markup);

        _live.Publish("garden/soil/moisture", "31 %");
        _live.Feed.Flush();

        board.WaitForAssertion(() => Assert.Equal("31%", Reading(board, "garden/soil", "moisture")));
    }

    [Fact]
    public void The_badge_turns_offline_when_the_will_arrives()
    {
        _live.Connect("esp32-1", willTopic: "home/sensor1/status");
        _live.Publish("home/sensor1/status", "online", "esp32-1");
        var board = Render<DeviceBoard>();
        Assert.Equal("online", Badge(board, "home/sensor1"));

        _live.Disconnect("esp32-1", graceful: false, willTopic: "home/sensor1/status");
        _live.Publish("home/sensor1/status", "offline", "esp32-1");
        _live.Feed.Flush();

        board.WaitForAssertion(() => Assert.Equal("offline", Badge(board, "home/sensor1")));
    }

    [Fact]
    public void Devices_sharing_a_first_level_are_grouped_and_the_rest_shown_together_not_each_under_its_own_heading()
    {
        _live.Publish("home/kitchen/temperature", "20");
        _live.Publish("home/hall/temperature", "19");
        _live.Publish("esp-garden/sensor/soil_moisture/state", "38");
        _live.Publish("owntracks/anna/phone/batt", "81");

        var board = Render<DeviceBoard>();

        Assert.Equal(["home", "Other devices"], board.FindAll(".device-group").Select(h => h.TextContent.Trim()));
        Assert.Equal(4, board.FindAll("[data-device]").Count);
    }

    [Fact]
    public void Search_keeps_the_devices_whose_name_or_metrics_match()
    {
        _live.Publish("home/kitchen/temperature", "20");
        _live.Publish("garden/soil/moisture", "31");
        var board = Render<DeviceBoard>();

        board.Find("input").Input("moist");

        board.WaitForAssertion(() =>
        {
            Assert.Single(board.FindAll("[data-device]"));
            Assert.NotEmpty(board.FindAll("[data-device='garden/soil']"));
        });
    }

    [Fact]
    public void A_large_fleet_shows_the_first_cards_and_says_how_to_find_the_rest()
    {
        for (var i = 0; i < 250; i++)
        {
            _live.Publish($"fleet/unit-{i:D3}/temperature", "20");
        }

        var board = Render<DeviceBoard>();

        Assert.Equal(200, board.FindAll("[data-device]").Count);
        Assert.Contains("Showing the first 200 of 250 devices", board.Find(".more-devices").TextContent);
    }

    [Fact]
    public void Topics_and_payloads_are_shown_as_text_never_as_markup()
    {
        _live.Publish("home/<img src=x onerror=alert(1)>/temperature", "21");

        var board = Render<DeviceBoard>();

        Assert.Empty(board.FindAll("img"));
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", board.Markup);
    }

    [Fact]
    public void A_device_shows_under_its_admin_name_and_group_and_a_hidden_one_not_at_all()
    {
        _live.Publish("esp/a1b2c3/temperature", "21.5");
        _live.Publish("esp/d4e5f6/temperature", "19");
        _live.Publish("test/junk/value", "1");
        _live.State.Configure("esp/a1b2c3", Dashboard.Devices.DeviceSettings.None with
        {
            DisplayName = "Kitchen sensor",
            Group = "Kitchen",
            Metrics = new Dictionary<string, Dashboard.Devices.MetricSettings> { ["temperature"] = new("Air", "°F") },
        });
        _live.State.Configure("test/junk", Dashboard.Devices.DeviceSettings.None with { Hidden = true });

        var board = Render<DeviceBoard>();

        var card = board.Find("[data-device='esp/a1b2c3']");
        Assert.Equal("Kitchen sensor", card.QuerySelector(".device-name")!.TextContent.Trim());
        Assert.Equal("Air", card.QuerySelector(".metric-name")!.TextContent.Trim());
        Assert.Equal("21.5°F", Reading(board, "esp/a1b2c3", "temperature"));
        Assert.Contains("Kitchen", board.FindAll(".device-group").Select(h => h.TextContent.Trim()));
        Assert.Empty(board.FindAll("[data-device='test/junk']"));
    }

    [Fact]
    public void A_device_without_a_presence_signal_shows_its_last_seen_alone()
    {
        _live.Publish("garden/soil/moisture", "31 %");

        var board = Render<DeviceBoard>();

        var card = board.Find("[data-device='garden/soil']");
        Assert.Null(card.QuerySelector(".status-badge"));
        Assert.Contains("last seen", card.TextContent);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        _live.Dispose();
        await DisposeAsync();
    }
}
