using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.IntegrationTests.Infrastructure;

namespace Dashboard.IntegrationTests.Boards;

/// <summary>Boards and kiosk links live in the database: a restart of the app on the same SQLite file keeps them.</summary>
public sealed class BoardsRestartTests
{
    [Fact]
    public async Task Boards_their_tiles_and_kiosk_links_survive_a_restart()
    {
        var database = DashboardApp.NewDatabasePath();
        long id;
        string kiosk;
        await using (var app = await DashboardApp.StartAsync(database))
        {
            using var http = app.CreateHttpClient();
            var created = await http.PostAsJsonAsync("api/boards", new
            {
                name = "Boiler room",
                tiles = new object[]
                {
                    new { kind = "sparkline", topic = "boiler/flow", metric = "flow", title = "Flow", column = 0, row = 0, width = 4, height = 2 },
                    new { kind = "button", deviceId = "boiler", control = "cmnd/boiler/Restart", column = 4, row = 0 },
                },
            });
            id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
            var link = await http.PostAsJsonAsync($"api/boards/{id}/kiosk-links", new { name = "boiler room" });
            kiosk = (await link.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("url").GetString()!;
        }

        await using var again = await DashboardApp.StartAsync(database);
        using var client = again.CreateHttpClient();
        var board = await client.GetFromJsonAsync<JsonElement>($"api/boards/{id}");
        Assert.Equal("Boiler room", board.GetProperty("name").GetString());
        var tiles = board.GetProperty("tiles");
        Assert.Equal("Flow", tiles[0].GetProperty("title").GetString());
        Assert.Equal(4, tiles[0].GetProperty("width").GetInt32());
        Assert.Equal("cmnd/boiler/Restart", tiles[1].GetProperty("control").GetString());

        // The link's token was never stored, only its hash: the address given before the restart still opens the kiosk.
        using var anonymous = again.CreateHttpClient(null);
        var path = new Uri(kiosk).PathAndQuery.TrimStart('/');
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(path)).StatusCode);
    }
}
