using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.Playwright;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.EndToEnd;

public sealed class RetainedPageTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task Deleting_a_subtree_names_the_count_and_a_new_subscriber_gets_nothing_under_it()
    {
        await using var app = await DashboardApp.StartAsync();
        await using (var publisher = await TestClient.ConnectAsync(app))
        {
            foreach (var (topic, payload) in new[] { ("home/kitchen/temp", "21.5"), ("home/hall/status", "online"), ("garden/rain", "3") })
            {
                await publisher.PublishAsync(topic, payload, MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
            }
        }

        var page = await browser.OpenAsync(app, "retained");
        await Assertions.Expect(page.Locator(".retained-topic")).ToHaveTextAsync(["garden/rain", "home/hall/status", "home/kitchen/temp"]);
        await Assertions.Expect(page.Locator(".retained-preview").Last).ToHaveTextAsync("21.5");

        await page.FillAsync(".delete-filter input", "home/#");
        await page.ClickAsync(".delete-matching");
        await Assertions.Expect(page.GetByRole(AriaRole.Dialog)).ToContainTextAsync("Delete 2 retained messages under home/#?");
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();

        await Assertions.Expect(page.Locator(".retained-topic")).ToHaveTextAsync(["garden/rain"]);
        await using var subscriber = await TestClient.ConnectAsync(app);
        await subscriber.SubscribeAsync("home/#");
        await subscriber.SubscribeAsync("garden/#");
        await using (var publisher = await TestClient.ConnectAsync(app))
        {
            await publisher.PublishAsync("garden/marker", "after the retained ones");
        }

        // Only garden/rain is left. MQTTnet queues a SUBSCRIBE's retained messages after its SUBACK, so the marker from
        // another connection may come first (MQTT promises no order across connections): compare sets, then wait for quiet.
        string[] received = [(await subscriber.NextAsync()).Topic, (await subscriber.NextAsync()).Topic];
        Assert.Equal(["garden/marker", "garden/rain"], received.Order(StringComparer.Ordinal));
        Assert.True(await subscriber.NothingArrivesAsync(TimeSpan.FromMilliseconds(300)), "no deleted retained message");
    }

    [Fact]
    public async Task The_list_is_searched_by_topic_or_payload()
    {
        await using var app = await DashboardApp.StartAsync();
        await using (var publisher = await TestClient.ConnectAsync(app))
        {
            await publisher.PublishAsync("devices/a/state", "{\"power\": \"ON\"}", retain: true);
            await publisher.PublishAsync("devices/b/state", "{\"power\": \"OFF\"}", retain: true);
        }

        var page = await browser.OpenAsync(app, "retained");
        await page.FillAsync(".retained-search input", "off");

        await Assertions.Expect(page.Locator(".retained-topic")).ToHaveTextAsync(["devices/b/state"]);
    }
}
