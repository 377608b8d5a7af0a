using Bunit;
using Dashboard.Components.Devices;
using Dashboard.Devices.Conventions;
using Dashboard.Tests.Live;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace Dashboard.Tests.Components;

/// <summary>A device card's controls, rendered for someone who is not an admin: the state, live, and no control to flip.</summary>
public sealed class DeviceControlsTests : BunitContext, IAsyncLifetime
{
    private readonly LiveFixture _live = new(null, new TasmotaConvention());

    public DeviceControlsTests()
    {
        Services.AddMudServices();
        Services.AddSingleton(_live.State);
        Services.AddSingleton(_live.Feed);
        Services.AddControlsFor(_live.State, _live.Feed);
        JSInterop.Mode = JSRuntimeMode.Loose;
        JSInterop.SetupModule("./js/charts.js").Mode = JSRuntimeMode.Loose;
    }

    [Fact]
    public void A_tasmota_relay_shows_its_state_on_its_card_live_without_a_switch_for_a_viewer()
    {
        _live.Publish("stat/kitchen/POWER", "OFF");
        var board = Render<DeviceBoard>();
        string State() => board.Find("[data-device='kitchen'] .control-row[data-control='cmnd/kitchen/POWER'] .control-state").TextContent.Trim();

        Assert.Equal("OFF", State());
        Assert.Empty(board.FindAll(".control-switch"));
        _live.Publish("stat/kitchen/POWER", "ON");
        board.WaitForAssertion(() => Assert.Equal("ON", State()));
    }

    [Fact]
    public void A_device_without_command_topics_has_no_controls_section()
    {
        _live.Publish("tele/garage/SENSOR", """{"AM2301":{"Temperature":21.5}}""");
        var board = Render<DeviceBoard>();
        Assert.NotEmpty(board.FindAll("[data-device='garage']"));
        Assert.Empty(board.FindAll(".device-controls"));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        _live.Dispose();
        await DisposeAsync();
    }
}
