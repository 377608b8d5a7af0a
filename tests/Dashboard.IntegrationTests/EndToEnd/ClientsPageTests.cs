using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.Playwright;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.EndToEnd;

public sealed class ClientsPageTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task An_admin_sees_a_client_with_its_subscription_kicks_it_and_finds_the_kick_in_the_events()
    {
        await using var app = await DashboardApp.StartAsync();
        await using var client = await TestClient.ConnectAsync(app, "kitchen-display", version: MqttProtocolVersion.V500);
        await client.SubscribeAsync("home/kitchen/#", MqttQualityOfServiceLevel.AtLeastOnce);
        var kicked = client.Disconnection();

        var page = await browser.OpenAsync(app, "clients");
        var row = Row(page, "kitchen-display");
        await Assertions.Expect(row.Locator(".client-subscriptions")).ToContainTextAsync("home/kitchen/# QoS 1");
        await Assertions.Expect(row.Locator(".client-protocol")).ToContainTextAsync("MQTT 5.0 · tcp");
        await row.Locator(".client-disconnect").ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Assertions.Expect(dialog).ToContainTextAsync("Disconnect kitchen-display?");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Disconnect", Exact = true }).ClickAsync();

        Assert.Equal(MqttClientDisconnectReason.AdministrativeAction, await kicked.WaitAsync(TestClient.Patience));
        await Assertions.Expect(Row(page, "kitchen-display")).ToHaveCountAsync(0);

        await page.GetByRole(AriaRole.Link, new() { Name = "Events" }).ClickAsync();
        await Assertions.Expect(page.Locator(".events .event-detail").First).ToContainTextAsync("disconnected the client kitchen-display");
        await Assertions.Expect(page.Locator(".events .event-actor").First).ToHaveTextAsync(DashboardApp.AdminUser);
    }

    [Fact]
    public async Task A_ban_from_a_clients_row_disconnects_it_keeps_it_out_and_can_be_lifted()
    {
        await using var app = await DashboardApp.StartAsync();
        await using var client = await TestClient.ConnectAsync(app, "noisy-sensor", version: MqttProtocolVersion.V500);
        var kicked = client.Disconnection();

        var page = await browser.OpenAsync(app, "clients");
        await Row(page, "noisy-sensor").Locator(".client-ban").ClickAsync();
        await Assertions.Expect(page.Locator(".ban-value input")).ToHaveValueAsync("noisy-sensor");
        await page.FillAsync(".ban-reason input", "floods home/#");
        await page.ClickAsync(".confirm-ban");

        Assert.Equal(MqttClientDisconnectReason.AdministrativeAction, await kicked.WaitAsync(TestClient.Patience));
        var ban = page.Locator(".ban-row");
        await Assertions.Expect(ban).ToContainTextAsync("client id noisy-sensor");
        await Assertions.Expect(ban).ToContainTextAsync("floods home/#");
        await using (var again = await TestClient.ConnectAsync(app, "noisy-sensor", version: MqttProtocolVersion.V500))
        {
            Assert.Equal(MqttClientConnectResultCode.Banned, again.ConnectResult!.ResultCode);
        }

        await ban.Locator(".lift-ban").ClickAsync();
        await Assertions.Expect(page.Locator(".bans-empty")).ToBeVisibleAsync();
        await using var back = await TestClient.ConnectAsync(app, "noisy-sensor", version: MqttProtocolVersion.V500);
        Assert.True(back.Client.IsConnected);
    }

    [Fact]
    public async Task A_fleet_larger_than_a_page_is_shown_a_page_at_a_time_and_the_filter_searches_all_of_it()
    {
        const int fleet = 130; // a page holds 100
        await using var app = await DashboardApp.StartAsync();
        var sockets = new List<RawMqttSocket>();
        try
        {
            for (var i = 0; i < fleet; i++)
            {
                var socket = await RawMqttSocket.ConnectAsync(app.MqttPort);
                sockets.Add(socket);
                await socket.SendAsync(new MqttConnectPacket { ClientId = $"fleet-{i:D3}", KeepAlivePeriod = 60, CleanSession = true });
                Assert.Equal(0x20, (await socket.ReadPacketAsync())[0]); // CONNACK
            }

            var page = await browser.OpenAsync(app, "clients");
            await Assertions.Expect(page.Locator(".connected-count")).ToHaveTextAsync("130 connected");
            await Assertions.Expect(page.Locator(".client-row")).ToHaveCountAsync(100);
            await Assertions.Expect(page.Locator(".clients-range")).ToHaveTextAsync("1–100 of 130");
            await Assertions.Expect(Row(page, "fleet-099")).ToHaveCountAsync(1);

            await page.Locator(".clients-pager").GetByRole(AriaRole.Button, new() { Name = "Page 2" }).ClickAsync();
            await Assertions.Expect(page.Locator(".client-row")).ToHaveCountAsync(30);
            await Assertions.Expect(page.Locator(".clients-range")).ToHaveTextAsync("101–130 of 130");
            await Assertions.Expect(Row(page, "fleet-129")).ToHaveCountAsync(1);

            await page.FillAsync(".client-search input", "fleet-05");
            await Assertions.Expect(page.Locator(".client-row")).ToHaveCountAsync(10); // fleet-050 … fleet-059, back on page 1
            await Assertions.Expect(page.Locator(".clients-pager")).ToHaveCountAsync(0);
            await page.FillAsync(".client-search input", "nobody-by-that-name");
            await Assertions.Expect(page.Locator(".clients-none-match")).ToBeVisibleAsync();
        }
        finally
        {
            foreach (var socket in sockets)
            {
                await socket.DisposeAsync();
            }
        }
    }

    private static ILocator Row(IPage page, string clientId) =>
        page.Locator(".client-row", new() { Has = page.Locator($"[data-client='{clientId}']") });

}
