using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Accounts;
using Dashboard.IntegrationTests.Infrastructure;

namespace Dashboard.IntegrationTests.Boards;

/// <summary>/api/boards over the real app and its SQLite file: validation that names the field, admin-only writes, kiosk links, a restart.</summary>
public sealed class BoardsApiTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private DashboardApp App => fixture.App;

    private static object Board(string name, params object[] tiles) => new { name, tiles };

    private static async Task<JsonElement> ErrorsOf(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
    }

    [Fact]
    public async Task A_board_with_tiles_is_created_read_replaced_and_deleted()
    {
        using var http = App.CreateHttpClient();
        var created = await http.PostAsJsonAsync("api/boards", Board("Greenhouse",
            new { kind = "value", topic = "gh/air", metric = "temperature", column = 0, row = 0, width = 3, height = 1 },
            new { kind = "gauge", topic = "gh/air", metric = "humidity", min = 0, max = 100, column = 3, row = 0 },
            new { kind = "text", text = "Water on Mondays" }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var board = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = board.GetProperty("id").GetInt64();
        Assert.Equal($"/api/boards/{id}", created.Headers.Location?.ToString());

        var read = await http.GetFromJsonAsync<JsonElement>($"api/boards/{id}");
        Assert.Equal(["value", "gauge", "text"], read.GetProperty("tiles").EnumerateArray().Select(t => t.GetProperty("kind").GetString()));
        Assert.Equal(100, read.GetProperty("tiles")[1].GetProperty("max").GetDouble());
        // Given no place, the text went to the first free spot: right of the gauge, on the top row.
        Assert.Equal((6, 0), (read.GetProperty("tiles")[2].GetProperty("column").GetInt32(), read.GetProperty("tiles")[2].GetProperty("row").GetInt32()));

        var replaced = await http.PutAsJsonAsync($"api/boards/{id}", Board("Greenhouse east",
            new { kind = "chart", topic = "gh/air", metric = "temperature", range = "6h", column = 0, row = 0, width = 12, height = 3 }));
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        read = await http.GetFromJsonAsync<JsonElement>($"api/boards/{id}");
        Assert.Equal("Greenhouse east", read.GetProperty("name").GetString());
        Assert.Equal("6h", Assert.Single(read.GetProperty("tiles").EnumerateArray()).GetProperty("range").GetString());
        var list = await http.GetFromJsonAsync<JsonElement>("api/boards");
        Assert.Contains(list.EnumerateArray(), b => b.GetProperty("id").GetInt64() == id && b.GetProperty("tiles").GetInt32() == 1);

        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"api/boards/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"api/boards/{id}")).StatusCode);
    }

    [Fact]
    public async Task Invalid_tiles_get_a_400_that_names_each_field()
    {
        using var http = App.CreateHttpClient();
        var errors = await ErrorsOf(await http.PostAsJsonAsync("api/boards", Board("",
            new { kind = "thermometer", topic = "a", metric = "b" },
            new { kind = "value", topic = "a", metric = "b", width = -1 },
            new { kind = "gauge", topic = "a", metric = "b", min = 10, max = 5, column = 6 },
            new { kind = "switch", column = 9 },
            new { kind = "value", metric = "b", column = 11, row = 5 })));

        Assert.True(errors.TryGetProperty("name", out _));
        Assert.Contains("Unknown tile kind 'thermometer'", errors.GetProperty("tiles[0].kind")[0].GetString(), StringComparison.Ordinal);
        Assert.True(errors.TryGetProperty("tiles[1].width", out _));
        Assert.True(errors.TryGetProperty("tiles[2].max", out _));
        Assert.True(errors.TryGetProperty("tiles[3].deviceId", out _));
        Assert.True(errors.TryGetProperty("tiles[3].control", out _));
        Assert.True(errors.TryGetProperty("tiles[4].topic", out _));
    }

    [Fact]
    public async Task Overlapping_tiles_are_refused_naming_both()
    {
        using var http = App.CreateHttpClient();
        var errors = await ErrorsOf(await http.PostAsJsonAsync("api/boards", Board("Overlap",
            new { kind = "value", topic = "a", metric = "b", column = 0, row = 0, width = 4, height = 2 },
            new { kind = "value", topic = "a", metric = "c", column = 3, row = 1, width = 2, height = 1 })));

        Assert.Contains("overlaps tiles[0]", errors.GetProperty("tiles[1]")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_viewer_reads_boards_but_cannot_write_them_nor_see_kiosk_links()
    {
        using var admin = App.CreateHttpClient();
        var id = (await (await admin.PostAsJsonAsync("api/boards", Board("Read only"))).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        using var viewer = App.CreateHttpClient(await App.CreateApiKeyAsync(DashboardRoles.Viewer));

        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync($"api/boards/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync("api/boards", Board("Mine"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PutAsJsonAsync($"api/boards/{id}", Board("Mine"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.DeleteAsync($"api/boards/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync($"api/boards/{id}/kiosk-links")).StatusCode);
        using var stranger = App.CreateHttpClient(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await stranger.GetAsync("api/boards")).StatusCode);
    }

    [Fact]
    public async Task A_kiosk_link_is_shown_once_listed_without_its_token_and_revoked()
    {
        using var http = App.CreateHttpClient();
        var id = (await (await http.PostAsJsonAsync("api/boards", Board("Hall"))).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();

        var response = await http.PostAsJsonAsync($"api/boards/{id}/kiosk-links", new { name = "hall tablet" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        var url = created.GetProperty("url").GetString()!;
        Assert.StartsWith(new Uri(App.HttpBase, "kiosk/kiosk_").ToString(), url, StringComparison.Ordinal);
        var linkId = created.GetProperty("link").GetProperty("id").GetInt64();

        var listed = await http.GetStringAsync($"api/boards/{id}/kiosk-links");
        Assert.Contains("hall tablet", listed, StringComparison.Ordinal);
        Assert.DoesNotContain(url[(url.LastIndexOf('/') + 1)..], listed, StringComparison.Ordinal);

        using var anonymous = App.CreateHttpClient(null);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"api/boards/{id}/kiosk-links/{linkId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Gone, (await anonymous.GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.DeleteAsync($"api/boards/{id}/kiosk-links/{linkId}")).StatusCode);
    }
}
