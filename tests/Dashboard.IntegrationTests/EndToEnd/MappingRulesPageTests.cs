using System.Globalization;
using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MQTTnet.Protocol;
using static Dashboard.IntegrationTests.Infrastructure.DevicesApi;

namespace Dashboard.IntegrationTests.EndToEnd;

/// <summary>Settings › Device mapping rules in Chromium: a bad pattern says why, the preview names the device of a topic already seen, and a saved rule takes the next publish.</summary>
public sealed class MappingRulesPageTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task A_rule_typed_in_settings_is_checked_previewed_saved_and_applied_to_the_next_publish()
    {
        await using var app = await DashboardApp.StartAsync();
        await using (var sensor = await TestClient.ConnectAsync(app))
        {
            await sensor.PublishAsync("plant/pump1/sensors/flow", "12.5", MqttQualityOfServiceLevel.AtLeastOnce);
        }

        await DashboardApp.WaitUntilAsync(() => app.Services.GetRequiredService<Dashboard.Live.LiveState>().Topic("plant/pump1/sensors/flow") is not null,
            "the topic to be seen");
        var page = await browser.OpenAsync(app, "settings");
        await Assertions.Expect(page.Locator(".mapping-rules .no-rules")).ToBeVisibleAsync();

        await page.FillAsync(".new-rule input", "plant/{device}/#/{metric}");
        await Assertions.Expect(page.Locator(".mapping-rules")).ToContainTextAsync("# may only be the last level");
        await page.FillAsync(".new-rule input", "plant/{device}/sensors/{metric}");
        var preview = page.Locator(".preview-row[data-topic='plant/pump1/sensors/flow']");
        await Assertions.Expect(preview.Locator(".preview-device")).ToHaveTextAsync("pump1");
        await Assertions.Expect(preview.Locator(".preview-metrics")).ToHaveTextAsync("flow = 12.5");

        await page.ClickAsync(".add-rule");
        await Assertions.Expect(page.Locator(".rule-row[data-pattern='plant/{device}/sensors/{metric}']")).ToHaveCountAsync(1);
        await page.ClickAsync(".save-rules");
        await Assertions.Expect(page.GetByText("Mapping rules saved")).ToBeVisibleAsync();

        var (exitCode, _) = await ExternalProcess.RunAsync("mosquitto_pub",
            ["-h", "127.0.0.1", "-p", app.MqttPort.ToString(CultureInfo.InvariantCulture), "-t", "plant/pump2/sensors/pressure", "-m", "3 bar"]);
        Assert.Equal(0, exitCode);
        using var http = app.CreateHttpClient();
        var devices = await PollAsync(http, list => Device(list, "pump2") is not null);
        Assert.Equal((3, "bar"), Metrics(Device(devices, "pump2")!.Value)["pressure"]);
    }
}
