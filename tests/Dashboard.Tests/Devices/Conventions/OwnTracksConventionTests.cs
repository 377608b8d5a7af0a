using System.Text;
using Dashboard.Devices;
using Dashboard.Devices.Conventions;

namespace Dashboard.Tests.Devices.Conventions;

/// <summary>OwnTracks' MQTT topics and JSON as the OwnTracks booklet documents them ("JSON", owntracks.org/booklet/tech/json).</summary>
public sealed class OwnTracksConventionTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);
    private readonly OwnTracksConvention _convention = new();

    private ConventionReading? Read(string topic, string payload) => _convention.Read(topic, Encoding.UTF8.GetBytes(payload), Now);

    private static Dictionary<string, (double Value, string? Unit)> Metrics(ConventionReading? reading) =>
        reading!.Payload!.Values.ToDictionary(v => v.Metric, v => (v.Value, v.Unit));

    [Fact]
    public void A_location_is_the_devices_readings_timed_by_its_fix_and_says_it_is_online()
    {
        var reading = Read("owntracks/jane/phone",
            """{"_type":"location","acc":75,"alt":13,"batt":97,"bs":1,"conn":"w","lat":48.858093,"lon":2.294694,"t":"u","tid":"ne","tst":1796212345,"vac":10,"vel":54,"cog":270,"inregions":["Home"],"topic":"owntracks/jane/phone"}""");

        Assert.Equal("owntracks/jane/phone", reading!.DeviceId);
        Assert.Equal(new PresenceReport("owntracks/jane/phone", true), reading.Presence);
        Assert.Equal(new()
        {
            ["acc"] = (75, "m"),
            ["alt"] = (13, "m"),
            ["batt"] = (97, "%"),
            ["lat"] = (48.858093, "°"),
            ["lon"] = (2.294694, "°"),
            ["vac"] = (10, "m"),
            ["vel"] = (54, "km/h"),
            ["cog"] = (270, "°"),
        }, Metrics(reading));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1796212345), reading.Payload!.Time);
    }

    [Fact]
    public void A_fix_time_from_a_wrong_clock_gives_way_to_the_arrival_time()
    {
        Assert.Null(Read("owntracks/jane/phone", """{"_type":"location","lat":1,"lon":2,"tst":12}""")!.Payload!.Time);
        Assert.Null(Read("owntracks/jane/phone", $$"""{"_type":"location","lat":1,"lon":2,"tst":{{Now.AddDays(2).ToUnixTimeSeconds()}}}""")!.Payload!.Time);
        Assert.Null(Read("owntracks/jane/phone", """{"_type":"location","lat":1,"lon":2}""")!.Payload!.Time);
    }

    [Fact]
    public void Its_last_will_says_the_device_is_offline()
    {
        Assert.Equal(ConventionReading.PresenceOf("owntracks/jane/phone", false), Read("owntracks/jane/phone", """{"_type":"lwt","tst":1796212000}"""));
    }

    [Theory]
    [InlineData("owntracks/jane/phone", """{"_type":"transition","wtst":1425042603,"lat":12.34,"lon":44.5,"tst":1427634603,"acc":130,"tid":"JP","event":"enter","desc":"my Indian restaurant","t":"b"}""")]
    [InlineData("owntracks/jane/phone", """{"_type":"waypoint","desc":"Home","lat":48.85,"lon":2.29,"rad":100,"tst":1425042603}""")]
    [InlineData("owntracks/jane/phone", """{"_type":"card","name":"Jane","tid":"ne"}""")]
    [InlineData("owntracks/jane/phone", """{"_type":"encrypted","data":"c2VjcmV0"}""")]
    [InlineData("owntracks/jane/phone", """{"lat":48.85,"lon":2.29}""")]
    [InlineData("owntracks/jane/phone", "C2,561ebac3,v,50123456,65987654,0,0,11,0,5232")]
    [InlineData("owntracks/jane/phone/event", """{"_type":"transition","wtst":1425042603,"lat":12.34,"lon":44.5,"tst":1427634603,"acc":130,"event":"leave","desc":"Office","t":"c"}""")]
    [InlineData("owntracks/jane/phone/cmd", """{"_type":"cmd","action":"reportLocation"}""")]
    [InlineData("owntracks/jane/phone/info", """{"_type":"card","name":"Jane","tid":"ne"}""")]
    [InlineData("owntracks/jane/phone/waypoint", """{"_type":"waypoint","desc":"Home","lat":48.85,"lon":2.29,"rad":100,"tst":1425042603}""")]
    [InlineData("owntracks/jane/phone/waypoints", """{"_type":"waypoints","waypoints":[{"_type":"waypoint","desc":"Home","lat":48.85,"lon":2.29,"rad":100,"tst":1425042603}]}""")]
    [InlineData("owntracks/jane/phone/status", """{"_type":"status","iOS":{"version":"17.4"}}""")]
    [InlineData("owntracks/jane/phone/step", """{"_type":"steps","tst":1427634603,"steps":4211,"from":1427600000,"to":1427634603}""")]
    [InlineData("owntracks/jane/phone/dump", """{"_type":"configuration","mode":0,"pubTopicBase":"owntracks/%u/%d"}""")]
    public void Other_messages_and_subtopics_belong_to_the_device_and_are_not_readings(string topic, string payload)
    {
        Assert.Equal(ConventionReading.NotTelemetry("owntracks/jane/phone"), Read(topic, payload));
    }

    [Theory]
    [InlineData("home/livingroom/temperature")]
    [InlineData("owntracks")]
    [InlineData("owntracks/jane")]
    [InlineData("owntracks/jane/")]
    [InlineData("owntracks//phone")]
    [InlineData("owntracksx/jane/phone")]
    public void Topics_that_name_no_owntracks_device_are_left_to_the_generic_rules(string topic)
    {
        Assert.Null(Read(topic, """{"_type":"location","lat":1,"lon":2,"tst":1796212345}"""));
    }

    [Fact]
    public void Malformed_and_binary_payloads_never_throw_and_make_no_readings()
    {
        byte[][] payloads =
        [
            [], [0xFF, 0xFE, 0x00, 0x01], Encoding.UTF8.GetBytes("""{"_type":"location","lat":"""), Encoding.UTF8.GetBytes("""{"_type":"location","lat":1} {}"""),
            Encoding.UTF8.GetBytes("[1,2]"), Encoding.UTF8.GetBytes("""{"_type":"location","lat":1e999}"""), Encoding.UTF8.GetBytes(new string('{', 5000)),
            Encoding.UTF8.GetBytes($$"""{"{{new string('x', 300)}}":1,"_type":"lwt"}"""), new byte[200_000],
        ];

        foreach (var payload in payloads)
        {
            var reading = _convention.Read("owntracks/jane/phone", payload, Now);
            Assert.Equal("owntracks/jane/phone", reading!.DeviceId);
            Assert.Empty(reading.Payload?.Values ?? []);
        }
    }
}
