using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.IntegrationTests.Clients;
using Dashboard.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.RetainedMessages;

/// <summary><c>/api/retained</c> against real clients: what is listed, and deletes a new subscriber no longer sees.</summary>
public sealed class RetainedAdminTests
{
    [Fact]
    public async Task Retained_messages_are_listed_with_size_qos_age_and_a_preview()
    {
        await using var app = await DashboardApp.StartAsync();
        await PublishRetainedAsync(app, ("home/kitchen/temp", "21.5"), ("home/hall/status", "online"), ("garden/rain", "{\"mm\": 3}"));

        using var http = app.CreateHttpClient();
        var page = await http.GetFromJsonAsync<JsonElement>("/api/retained?prefix=home/&limit=1&page=2");

        Assert.Equal(2, page.GetProperty("total").GetInt32());
        var item = page.GetProperty("items").EnumerateArray().Single();
        Assert.Equal("home/kitchen/temp", item.GetProperty("topic").GetString());
        Assert.Equal(4, item.GetProperty("size").GetInt32());
        Assert.Equal(1, item.GetProperty("qos").GetInt32());
        Assert.Equal("21.5", item.GetProperty("preview").GetString());
        Assert.True(item.GetProperty("since").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-5));
        var searched = await http.GetFromJsonAsync<JsonElement>("/api/retained?search=MM");
        Assert.Equal("garden/rain", searched.GetProperty("items")[0].GetProperty("topic").GetString());
    }

    [Fact]
    public async Task Deleting_one_a_subtree_and_all_leaves_a_new_subscriber_nothing_and_is_stored()
    {
        var database = DashboardApp.NewDatabasePath();
        await using (var app = await DashboardApp.StartAsync(database))
        {
            await PublishRetainedAsync(app, ("home/a/temp", "1"), ("home/b/temp", "2"), ("home/b/hum", "3"), ("office/temp", "4"), ("garden/temp", "5"));
            using var http = app.CreateHttpClient();

            Assert.Equal(1, await DeletedAsync(http, "topic=home/a/temp"));
            Assert.Empty(await RetainedSeenAsync(app, "home/a/#"));

            var count = await http.GetFromJsonAsync<JsonElement>("/api/retained/count?filter=home/%23");
            Assert.Equal(2, count.GetProperty("count").GetInt32());
            Assert.Equal(2, await DeletedAsync(http, "filter=home/%23"));
            Assert.Empty(await RetainedSeenAsync(app, "home/#"));
            Assert.Equal(["office/temp"], await RetainedSeenAsync(app, "office/#"));

            var logged = await BanTests.EventsAsync(http, "kind=admin-action&search=home", atLeast: 2);
            Assert.Contains(logged, e => e.GetProperty("detail").GetString() == "deleted 2 retained messages under home/#" && e.GetProperty("target").GetString() == "home/#");
            Assert.Equal(0, await DeletedAsync(http, "filter=home/%23"));
            await app.FlushBrokerStateAsync();
        }

        await using (var restarted = await DashboardApp.StartAsync(database))
        {
            Assert.Equal(["garden/temp", "office/temp"], await RetainedSeenAsync(restarted, "#"));
            using var http = restarted.CreateHttpClient();
            Assert.Equal(2, await DeletedAsync(http, "filter=%23"));
            Assert.Empty(await RetainedSeenAsync(restarted, "#"));
            Assert.Equal(0, (await http.GetFromJsonAsync<JsonElement>("/api/retained")).GetProperty("total").GetInt32());
        }
    }

    [Fact]
    public async Task A_current_subscriber_receives_the_deletion_as_an_empty_message()
    {
        await using var app = await DashboardApp.StartAsync();
        await PublishRetainedAsync(app, ("lamp/status", "on"));
        await using var subscriber = await TestClient.ConnectAsync(app);
        await subscriber.SubscribeAsync("lamp/#");
        Assert.Equal("on", (await subscriber.NextAsync()).ConvertPayloadToString());

        using var http = app.CreateHttpClient();
        Assert.Equal(1, await DeletedAsync(http, "topic=lamp/status"));

        var deletion = await subscriber.NextOnAsync("lamp/status");
        Assert.True(deletion.Payload.IsEmpty);
    }

    [Fact]
    public async Task A_removed_bridges_retained_state_is_listed_and_can_be_deleted()
    {
        await using var app = await DashboardApp.StartAsync();
        await using (var bridge = await TestClient.ConnectAsync(app, "old-edge"))
        {
            await bridge.PublishAsync("$SYS/broker/connection/old-edge/state", "0", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
        }

        using var http = app.CreateHttpClient();
        var listed = await http.GetFromJsonAsync<JsonElement>("/api/retained?search=old-edge");
        Assert.Equal("$SYS/broker/connection/old-edge/state", listed.GetProperty("items")[0].GetProperty("topic").GetString());

        Assert.Equal(1, await DeletedAsync(http, "filter=$SYS/broker/connection/%23"));
        Assert.Empty(await RetainedSeenAsync(app, "$SYS/broker/connection/#"));
    }

    [Fact]
    public async Task A_bad_delete_is_a_400_naming_the_field()
    {
        await using var app = await DashboardApp.StartAsync();
        using var http = app.CreateHttpClient();
        foreach (var (query, field) in new[] { ("", "topic"), ("topic=a/%23", "topic"), ("filter=a/%23/b", "filter"), ("topic=a&filter=b", "filter"), ("filter=$SYS/%23", "filter") })
        {
            var response = await http.DeleteAsync($"/api/retained?{query}");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _), $"{query}: {field}");
        }
    }

    private static async Task<int> DeletedAsync(HttpClient http, string query)
    {
        var response = await http.DeleteAsync($"/api/retained?{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("deleted").GetInt32();
    }

    private static async Task PublishRetainedAsync(DashboardApp app, params (string Topic, string Payload)[] messages)
    {
        await using var publisher = await TestClient.ConnectAsync(app);
        foreach (var (topic, payload) in messages)
        {
            await publisher.PublishAsync(topic, payload, MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
        }
    }

    /// <summary>The retained topics a new subscriber to <paramref name="filter"/> gets, up to a marker published after subscribing.</summary>
    private static async Task<List<string>> RetainedSeenAsync(DashboardApp app, string filter)
    {
        var marker = $"marker/{Guid.NewGuid():N}";
        await using var subscriber = await TestClient.ConnectAsync(app);
        await subscriber.SubscribeAsync(filter);
        await subscriber.SubscribeAsync(marker);
        await using (var publisher = await TestClient.ConnectAsync(app))
        {
            await publisher.PublishAsync(marker, "end");
        }

        var topics = new List<string>();
        for (var i = 0; i < 100; i++)
        {
            var message = await subscriber.NextAsync();
            if (message.Topic == marker)
            {
                return [.. topics.Order(StringComparer.Ordinal)];
            }

            topics.Add(message.Topic);
        }

        throw new InvalidOperationException("More than 100 retained messages");
    }
}
