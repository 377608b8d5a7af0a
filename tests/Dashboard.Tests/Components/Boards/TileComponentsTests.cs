using Bunit;
using Dashboard.Boards;
using Dashboard.Components.Boards;
using Dashboard.Devices.Conventions;
using Dashboard.Tests.Live;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace Dashboard.Tests.Components.Boards;

/// <summary>Board tiles as a viewer and a kiosk see them: readings live, a gauge's arc, text as written, a relay's state without its switch.</summary>
public sealed class TileComponentsTests : BunitContext, IAsyncLifetime
{
    private readonly LiveFixture _live = new(null, new TasmotaConvention());

    public TileComponentsTests()
    {
        Services.AddMudServices();
        Services.AddSingleton(_live.State);
        Services.AddSingleton(_live.Feed);
        Services.AddControlsFor(_live.State, _live.Feed);
        JSInterop.Mode = JSRuntimeMode.Loose;
        JSInterop.SetupModule("./js/charts.js").Mode = JSRuntimeMode.Loose;
    }

    private static Tile Value(string topic, string metric, int column = 0) => new(TileKind.Value, "Hall", column, 0, 3, 1, topic, metric);

    [Fact]
    public void A_value_tile_shows_the_latest_reading_with_its_unit_and_follows_it_live()
    {
        _live.Publish("hall/temperature", "19.5 °C");
        var grid = Render<BoardGridView>(p => p.Add(g => g.Tiles, [Value("hall/temperature", "temperature")]));
        string Shown() => grid.Find(".board-tile[data-kind=value] .tile-value").TextContent.Trim();

        Assert.Equal("19.5°C", Shown());
        _live.Publish("hall/temperature", "21.25 °C");
        grid.WaitForAssertion(() => Assert.Equal("21.25°C", Shown()));
    }

    [Fact]
    public void A_value_tile_without_a_reading_says_so()
    {
        var grid = Render<BoardGridView>(p => p.Add(g => g.Tiles, [Value("nowhere/yet", "value")]));

        Assert.Contains("no reading yet", grid.Find(".board-tile").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void A_gauge_fills_its_arc_in_proportion_and_names_its_ends()
    {
        _live.Publish("tank/level", "75 %");
        var reading = _live.State.Topic("tank/level")!.Readings[0];
        var gauge = Render<GaugeTile>(p => p.Add(g => g.Reading, reading).Add(g => g.Min, 0).Add(g => g.Max, 100).Add(g => g.Caption, "Tank"));

        Assert.Equal(0.75, gauge.Instance.Fraction, 3);
        Assert.Equal("75", gauge.Find(".gauge-number").TextContent);
        Assert.Equal(["0", "100"], gauge.FindAll(".gauge-end").Select(e => e.TextContent));
        Assert.Equal("Tank: 75%", gauge.Find("[role=meter]").GetAttribute("aria-label"));
    }

    [Fact]
    public void A_text_tile_shows_its_text_as_written_never_as_markup()
    {
        var text = Render<TextTile>(p => p.Add(t => t.Text, "<b>Back</b> at 5"));

        Assert.Equal("<b>Back</b> at 5", text.Find(".tile-text").TextContent);
        Assert.Empty(text.FindAll("b"));
    }

    [Fact]
    public void A_switch_tile_on_a_kiosk_shows_the_relay_state_live_and_no_switch()
    {
        _live.Publish("stat/porch/POWER", "OFF");
        var tile = new Tile(TileKind.Switch, "Porch", 0, 0, 3, 1, DeviceId: "porch", Control: "cmnd/porch/POWER");
        var grid = Render<BoardGridView>(p => p.Add(g => g.Tiles, [tile]).Add(g => g.Actionable, false));
        string State() => grid.Find(".tile-state").TextContent.Trim();

        Assert.Equal("OFF", State());
        Assert.Empty(grid.FindAll(".tile-switch"));
        _live.Publish("stat/porch/POWER", "ON");
        grid.WaitForAssertion(() => Assert.Equal("ON", State()));
    }

    [Fact]
    public void In_edit_mode_a_move_that_would_cover_another_tile_is_disabled_and_a_free_one_moves_it()
    {
        IReadOnlyList<Tile> tiles = [Value("a/t", "t"), Value("b/t", "t", column: 3)];
        IReadOnlyList<Tile>? changed = null;
        var grid = Render<BoardGridView>(p => p.Add(g => g.Tiles, tiles).Add(g => g.Editing, true).Add(g => g.TilesChanged, (IReadOnlyList<Tile> t) => changed = t));

        var first = grid.FindAll(".tile-edit-bar")[0];
        Assert.True(first.QuerySelector(".tile-move-right")!.HasAttribute("disabled"));
        Assert.True(first.QuerySelector(".tile-move-left")!.HasAttribute("disabled"));
        grid.FindAll(".tile-edit-bar")[0].QuerySelector(".tile-move-down")!.Click();
        Assert.Equal((0, 1), (changed![0].Column, changed[0].Row));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        _live.Dispose();
        await DisposeAsync();
    }
}
