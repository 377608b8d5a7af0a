using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.IntegrationTests.Infrastructure;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.Security;

/// <summary>
/// Moving from Mosquitto: its password_file, made by Debian's <c>mosquitto_passwd</c>, and its acl_file, imported through
/// <c>POST /api/broker-users/import/mosquitto</c>; then devices log in with the passwords they already have.
/// </summary>
public sealed class MosquittoImportTests
{
    private const string AclFile = """
        # Everyone may read the weather.
        topic read weather/#

        user sensor-7
        topic readwrite devices/sensor-7/#

        user ops
        topic #

        user nobody-here
        topic read x/#

        pattern read cmd/%c/#
        """;

    [Fact]
    public async Task Users_from_mosquittos_files_log_in_with_the_passwords_they_had_under_the_acls_they_had()
    {
        var folder = Directory.CreateTempSubdirectory("dashboard-mosquitto-import-");
        try
        {
            var passwd = Path.Combine(folder.FullName, "passwd");
            await MosquittoPasswdAsync("-c", "-b", passwd, "sensor-7", "its password");
            await MosquittoPasswdAsync("-b", passwd, "ops", "ops secret");
            await MosquittoPasswdAsync("-b", passwd, "kept", "mosquitto's password");
            await File.AppendAllTextAsync(passwd, "plain:not-hashed\n");

            await using var app = await DashboardApp.StartAsync();
            using var http = app.CreateHttpClient();
            Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("/api/broker-users", new { name = "kept", password = "the password here" })).StatusCode);

            using var form = new MultipartFormDataContent
            {
                { new ByteArrayContent(await File.ReadAllBytesAsync(passwd)), "passwords", "passwd" },
                { new StringContent(AclFile), "acl", "acl" },
            };
            using var response = await http.PostAsync("/api/broker-users/import/mosquitto", form);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var result = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(["sensor-7", "ops"], result.GetProperty("created").EnumerateArray().Select(e => e.GetString()));
            var skipped = string.Join('\n', result.GetProperty("skipped").EnumerateArray().Select(e => e.GetString()));
            Assert.Contains("(kept): already a user here", skipped, StringComparison.Ordinal);
            Assert.Contains("(plain): its password is not hashed", skipped, StringComparison.Ordinal);
            Assert.Contains("user nobody-here has no line in the password file", skipped, StringComparison.Ordinal);
            Assert.Equal(["weather/# read", "cmd/%c/# read"],
                result.GetProperty("anonymousAcl").EnumerateArray().Select(e => $"{e.GetProperty("filter").GetString()} {e.GetProperty("access").GetString()}"));

            // The devices' own passwords, checked by the third-party client they use.
            await using var ops = await TestClient.ConnectAsync(TestClient.Options(app, "ops-console").WithCredentials("ops", "ops secret").Build());
            await ops.SubscribeAsync("#", MqttQualityOfServiceLevel.AtLeastOnce);
            Assert.Equal(0, await PublishAsync(app, "sensor-7", "its password", "devices/sensor-7/temperature", "21.5"));
            Assert.Equal("21.5", (await ops.NextOnAsync("devices/sensor-7/temperature")).Text());
            Assert.Equal(0, await PublishAsync(app, "sensor-7", "its password", "elsewhere/temperature", "dropped")); // 3.1.1: dropped silently
            Assert.NotEqual(0, await PublishAsync(app, "sensor-7", "wrong password", "devices/sensor-7/temperature", "refused"));
            Assert.True(await ops.NothingArrivesAsync(TimeSpan.FromMilliseconds(500)));

            // A user already here keeps its own password, not the one in the file.
            Assert.NotEqual(0, await PublishAsync(app, "kept", "mosquitto's password", "devices/kept/x", "refused"));
            Assert.Equal(0, await PublishAsync(app, "kept", "the password here", "devices/kept/x", "kept"));
            Assert.Equal("kept", (await ops.NextOnAsync("devices/kept/x")).Text());
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_request_without_the_password_file_is_refused_naming_it_and_changes_nothing()
    {
        await using var app = await DashboardApp.StartAsync();
        using var http = app.CreateHttpClient();

        using var json = await http.PostAsJsonAsync("/api/broker-users/import/mosquitto", new { passwords = "a:b" });
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
        using var form = new MultipartFormDataContent { { new StringContent("topic #"), "acl", "acl" } };
        using var response = await http.PostAsync("/api/broker-users/import/mosquitto", form);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("password_file", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("passwords")[0].GetString(), StringComparison.Ordinal);
        using var broken = new StringContent("--x\r\nno headers, no end");
        broken.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("multipart/form-data"); // and no boundary
        using var unreadable = await http.PostAsync("/api/broker-users/import/mosquitto", broken);
        Assert.Equal(HttpStatusCode.BadRequest, unreadable.StatusCode);
        Assert.Contains("The form cannot be read", await unreadable.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("[]", await http.GetStringAsync("/api/broker-users"));
    }

    private static async Task MosquittoPasswdAsync(params string[] arguments)
    {
        var (exitCode, output) = await ExternalProcess.RunAsync("mosquitto_passwd", arguments);
        Assert.True(exitCode == 0, "mosquitto_passwd failed: " + output);
    }

    /// <summary>mosquitto_pub's exit code: 0 when it connected and published (QoS 1).</summary>
    private static async Task<int> PublishAsync(DashboardApp app, string user, string password, string topic, string payload) =>
        (await ExternalProcess.RunAsync("mosquitto_pub",
            ["-h", "127.0.0.1", "-p", app.MqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "-q", "1",
             "-u", user, "-P", password, "-t", topic, "-m", payload])).ExitCode;
}
