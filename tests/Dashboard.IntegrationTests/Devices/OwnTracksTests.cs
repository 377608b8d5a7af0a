using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Protocol;
using static Dashboard.IntegrationTests.Infrastructure.DevicesApi;

namespace Dashboard.IntegrationTests.Devices;

/// <summary>An OwnTracks phone as the dashboard's devices API shows it, with the topics and JSON the OwnTracks booklet documents.</summary>
public sealed class OwnTracksTests
{
    private const string Phone = "owntracks/jane/phone";

    private static string Location(long tst, int batt) =>
        $$"""{"_type":"location","acc":12,"alt":35,"batt":{{batt}},"bs":1,"conn":"w","lat":48.858093,"lon":2.294694,"t":"u","tid":"ne","tst":{{tst}},"vel":4}""";

    [Fact]
    public async Task A_phone_shows_its_location_goes_offline_by_its_will_comes_back_with_a_location_and_keeps_its_readings_after_a_restart()
    {
        var databasePath = DashboardApp.NewDatabasePath();
        var fix = DateTimeOffset.UtcNow.AddMinutes(-2).ToUnixTimeSeconds();
        await using (var first = await DashboardApp.StartAsync(databasePath))
        {
            var phone = await ConnectPhoneAsync(first, fix);
            await phone.PublishAsync(Phone, Location(fix, 97), MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
            await phone.PublishAsync($"{Phone}/event", $$"""{"_type":"transition","wtst":1425042603,"lat":48.85,"lon":2.29,"tst":{{fix}},"acc":12,"tid":"ne","event":"enter","desc":"Home","t":"c"}""", MqttQualityOfServiceLevel.AtLeastOnce);
            await phone.PublishAsync($"{Phone}/waypoints", """{"_type":"waypoints","waypoints":[{"_type":"waypoint","desc":"Home","lat":48.85,"lon":2.29,"rad":100,"tst":1425042603}]}""", MqttQualityOfServiceLevel.AtLeastOnce);
            await using (var backend = await TestClient.ConnectAsync(first))
            {
                await backend.PublishAsync($"{Phone}/cmd", """{"_type":"cmd","action":"reportLocation"}""", MqttQualityOfServiceLevel.AtLeastOnce);
                await backend.PublishAsync("owntracks/jane/phone/info", """{"_type":"card","name":"Jane","tid":"ne"}""", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
            }

            using var http = first.CreateHttpClient();
            var devices = await PollAsync(http, list => Device(list) is { } d && Metrics(d).Count == 6 && Status(list) == "online");

            Assert.Equal([Phone], Ids(devices, "owntracks"));
            Assert.Equal(new()
            {
                ["acc"] = (12, "m"),
                ["alt"] = (35, "m"),
                ["batt"] = (97, "%"),
                ["lat"] = (48.858093, "°"),
                ["lon"] = (2.294694, "°"),
                ["vel"] = (4, "km/h"),
            }, Metrics(Device(devices)!.Value));
            var time = Device(devices)!.Value.GetProperty("metrics")[0].GetProperty("time").GetDateTimeOffset();
            Assert.Equal(fix, time.ToUnixTimeSeconds()); // the fix's time, not the arrival's

            phone.Client.Dispose(); // the phone drops off the network: the broker publishes its Last Will

            await PollAsync(http, list => Status(list) == "offline");

            await using var back = await ConnectPhoneAsync(first, fix + 60);
            await back.PublishAsync(Phone, Location(fix + 60, 95), MqttQualityOfServiceLevel.AtLeastOnce, retain: true);

            devices = await PollAsync(http, list => Status(list) == "online" && Metrics(Device(list)!.Value)["batt"].Value == 95);
            Assert.Equal([Phone], Ids(devices, "owntracks"));
            await first.FlushBrokerStateAsync();
        }

        await using var second = await DashboardApp.StartAsync(databasePath);
        using var again = second.CreateHttpClient();

        var restored = await PollAsync(again, list => Device(list) is { } d && Metrics(d).Count == 6);
        Assert.Equal([Phone], Ids(restored, "owntracks"));
        Assert.Equal((95, "%"), Metrics(Device(restored)!.Value)["batt"]);
        Assert.NotEqual("online", Status(restored)); // a retained location is old news about presence
    }

    // As the app connects: its Last Will on its own topic (booklet, "_type=lwt"), tst = when it first connected.
    private static Task<TestClient> ConnectPhoneAsync(DashboardApp app, long connected) =>
        TestClient.ConnectAsync(TestClient.Options(app, "jane-phone").WithKeepAlivePeriod(TimeSpan.FromSeconds(60))
            .WithWillTopic(Phone).WithWillPayload($$"""{"_type":"lwt","tst":{{connected.ToString(CultureInfo.InvariantCulture)}}}""").Build());

    private static JsonElement? Device(JsonElement[] devices) => DevicesApi.Device(devices, Phone);

    private static string? Status(JsonElement[] devices) => DevicesApi.Status(devices, Phone);
}
