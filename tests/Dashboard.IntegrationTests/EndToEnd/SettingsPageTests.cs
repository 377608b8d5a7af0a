using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.Playwright;
using MQTTnet;
using MQTTnet.Formatter;

namespace Dashboard.IntegrationTests.EndToEnd;

public sealed class SettingsPageTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task A_user_added_in_settings_connects_and_is_held_to_its_acl()
    {
        await using var app = await DashboardApp.StartAsync();
        var page = await browser.OpenAsync(app, "settings");
        await Assertions.Expect(page.Locator(".anonymous-banner")).ToContainTextAsync("Anonymous MQTT access is on");
        await Assertions.Expect(page.Locator(".no-users")).ToBeVisibleAsync();

        await page.ClickAsync(".add-user");
        await page.FillAsync(".user-name input", "sensor-7");
        await page.ClickAsync(".user-save");
        await Assertions.Expect(page.Locator(".user-password")).ToContainTextAsync("A password is required.");
        await page.FillAsync(".user-password input", "pw-7");
        await page.ClickAsync(".user-save");
        await Assertions.Expect(page.Locator(".user-password")).ToContainTextAsync("at least 8 characters");
        await page.FillAsync(".user-password input", "sensor-7 password");
        await page.ClickAsync(".user-save");

        var row = page.Locator(".user-row[data-user='sensor-7']");
        await Assertions.Expect(row).ToContainTextAsync("readwrite devices/%u/#");

        await using var sensor = await TestClient.ConnectAsync(TestClient.Options(app, version: MqttProtocolVersion.V500).WithCredentials("sensor-7", "sensor-7 password").Build());
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS0, (await sensor.SubscribeAsync("devices/sensor-7/#")).Items.Single().ResultCode);
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, (await sensor.SubscribeAsync("devices/other/#")).Items.Single().ResultCode);
    }

    [Fact]
    public async Task Users_imported_from_mosquittos_files_in_settings_connect_with_their_old_passwords()
    {
        var folder = Directory.CreateTempSubdirectory("dashboard-mosquitto-files-");
        try
        {
            var (passwd, acl) = (Path.Combine(folder.FullName, "passwd"), Path.Combine(folder.FullName, "acl"));
            var (exitCode, output) = await ExternalProcess.RunAsync("mosquitto_passwd", ["-c", "-b", passwd, "boiler", "boiler password"]);
            Assert.True(exitCode == 0, output);
            await File.WriteAllTextAsync(acl, "user boiler\ntopic readwrite plant/boiler/#\n");
            await using var app = await DashboardApp.StartAsync();
            var page = await browser.OpenAsync(app, "settings");

            await page.ClickAsync(".import-mosquitto");
            await page.SetInputFilesAsync(".mosquitto-passwords", passwd);
            await page.SetInputFilesAsync(".mosquitto-acl", acl);
            // Said before anything is written: devices without a username lose what the file does not grant them.
            await Assertions.Expect(page.Locator(".import-anonymous-preview")).ToContainTextAsync("denies anonymous clients every topic");
            await Assertions.Expect(page.Locator(".import-run")).ToHaveTextAsync("Import and apply the ACL", new() { IgnoreCase = true });
            await page.ClickAsync(".import-run");
            await Assertions.Expect(page.Locator(".import-result")).ToContainTextAsync("Imported 1: boiler.");
            await Assertions.Expect(page.Locator(".import-anonymous")).ToContainTextAsync("Anonymous clients are now denied every topic");
            await page.ClickAsync(".mosquitto-import-dialog button:has-text('Close')");

            await Assertions.Expect(page.Locator(".user-row[data-user='boiler']")).ToContainTextAsync("readwrite plant/boiler/#");
            await using var boiler = await TestClient.ConnectAsync(TestClient.Options(app).WithCredentials("boiler", "boiler password").Build());
            Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS0, (await boiler.SubscribeAsync("plant/boiler/#")).Items.Single().ResultCode);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task No_banner_once_anonymous_access_is_off()
    {
        await using var app = await DashboardApp.StartAsync(settings: new Dictionary<string, string?> { ["Broker:AllowAnonymous"] = "false" });
        var page = await browser.OpenAsync(app, "settings");
        await Assertions.Expect(page.Locator(".anonymous-state")).ToHaveTextAsync("off");
        await Assertions.Expect(page.Locator(".anonymous-banner")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task An_admin_downloads_a_backup_from_settings_with_the_sign_in_cookie()
    {
        await using var app = await DashboardApp.StartAsync();
        var page = await browser.OpenAsync(app, "settings");
        await Assertions.Expect(page.Locator(".backup-schedule")).ToContainTextAsync("No scheduled snapshots");

        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync(".download-backup"));

        // What came instead of a snapshot (a sign-in page, an error) is shown, so a failure says why; so is why the browser
        // gave the download up, if it did (it once said only "canceled", on a loaded CI machine).
        if (await download.FailureAsync() is { } failure)
        {
            Assert.Fail($"The browser gave the download of {download.Url} up: {failure}");
        }

        var path = await download.PathAsync();
        var text = System.Text.Encoding.UTF8.GetString(await File.ReadAllBytesAsync(path));
        Assert.True(download.SuggestedFilename.EndsWith(".db", StringComparison.Ordinal), $"{download.SuggestedFilename}: {text[..Math.Min(text.Length, 2000)]}");
        Assert.Matches(@"^dashboard-\d{8}T\d{6}Z\.db$", download.SuggestedFilename);
        Assert.StartsWith("SQLite format 3\0", text, StringComparison.Ordinal);
    }
}
