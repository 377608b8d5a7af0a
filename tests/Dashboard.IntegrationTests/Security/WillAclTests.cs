using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Dashboard.Broker.Metrics;
using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Diagnostics.PacketInspection;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.Security;

/// <summary>
/// One app with anonymous access on (anonymous clients may use public/# only), an "admin" user that may do
/// anything, and devices made per test that may only use devices/%u/#.
/// </summary>
public sealed class WillAclFixture : IAsyncLifetime
{
    public const string AdminPassword = "admin-secret";
    public const string Password = "device-secret";

    public DashboardApp App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = await DashboardApp.StartAsync();
        using var http = App.CreateHttpClient();
        var put = await http.PutAsJsonAsync("/api/broker-acl/anonymous", new { acl = new[] { new { filter = "public/#", access = "readwrite" } } });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        await CreateUserAsync("admin", AdminPassword);
    }

    public async Task DisposeAsync() => await App.DisposeAsync();

    public async Task<string> NewDeviceAsync(string prefix = "dev")
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
        await CreateUserAsync(name, Password, ("devices/%u/#", "readwrite"));
        return name;
    }

    public async Task CreateUserAsync(string name, string password, params (string Filter, string Access)[] acl)
    {
        using var http = App.CreateHttpClient();
        var response = await http.PostAsJsonAsync("/api/broker-users", new { name, password, acl = acl.Select(a => new { filter = a.Filter, access = a.Access }) });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }
}

/// <summary>
/// A Last Will is a publish the broker makes on the client's behalf: it meets the same rules as the client's own
/// PUBLISH (its ACL, $ topics, the dashboard's reserved prefix, topic limits), at CONNECT (refused: 3.1.1 code 5,
/// MQTT 5 0x87) and again when it is due.
/// </summary>
public sealed class WillAclTests(WillAclFixture fixture) : IClassFixture<WillAclFixture>
{
    private DashboardApp App => fixture.App;

    public static TheoryData<string, MqttProtocolVersion> RefusedWills => new()
    {
        { "devices/{other}/status", MqttProtocolVersion.V311 },
        { "devices/{other}/status", MqttProtocolVersion.V500 },
        { "$SYS/broker/uptime", MqttProtocolVersion.V311 },
        { "$SYS/broker/uptime", MqttProtocolVersion.V500 },
        { "$SYS/broker/connection/spoofed-bridge/state", MqttProtocolVersion.V311 }, // a bridge's state topic, but not in this user's ACL
        { "$SYS/broker/connection/a/b/state", MqttProtocolVersion.V311 },
        { "dashboard/alerts/forged", MqttProtocolVersion.V311 },
        { "dashboard/alerts/forged", MqttProtocolVersion.V500 },
        { "dashboard/alerts", MqttProtocolVersion.V500 }, // the prefix's own level, which dashboard/alerts/# matches
        { "$share/group/devices/{user}/status", MqttProtocolVersion.V500 },
    };

    [Theory]
    [MemberData(nameof(RefusedWills))]
    public async Task A_will_outside_the_users_write_acl_is_refused_at_connect_and_nothing_is_published(string willTopic, MqttProtocolVersion version)
    {
        var (user, other) = (await fixture.NewDeviceAsync(), await fixture.NewDeviceAsync("other"));
        willTopic = willTopic.Replace("{user}", user, StringComparison.Ordinal).Replace("{other}", other, StringComparison.Ordinal);
        var othersStatus = $"devices/{other}/status";
        await using (var owner = await ConnectAsync(other, WillAclFixture.Password))
        {
            await owner.PublishAsync(othersStatus, "online", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
        }

        await using var watcher = await ConnectAsync("admin", WillAclFixture.AdminPassword);
        await watcher.SubscribeAsync("dashboard/alerts/forged", MqttQualityOfServiceLevel.AtLeastOnce);

        var (code, connected) = await ConnAckCodeAsync(TestClient.Options(App, version: version).WithCredentials(user, WillAclFixture.Password)
            .WithWillTopic(willTopic).WithWillPayload("offline").WithWillRetain().WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce));

        Assert.False(connected);
        Assert.Equal(version == MqttProtocolVersion.V500 ? 0x87 : 0x05, code);
        await AssertRetainedAsync(othersStatus, "online");
        Assert.True(await watcher.NothingArrivesAsync(TimeSpan.FromMilliseconds(300)), "no forged alert notice");
    }

    [Fact]
    public async Task A_will_on_the_users_own_topic_is_accepted_and_sent()
    {
        var user = await fixture.NewDeviceAsync();
        var topic = $"devices/{user}/status";
        var options = TestClient.Options(App).WithCredentials(user, WillAclFixture.Password)
            .WithWillTopic(topic).WithWillPayload("offline").WithWillRetain().Build();
        var device = await TestClient.ConnectAsync(options);
        Assert.True(device.Client.IsConnected);

        device.Client.Dispose(); // no DISCONNECT: the will is due

        await AssertRetainedAsync(topic, "offline");
    }

    [Fact]
    public async Task An_anonymous_will_on_the_dashboards_prefix_is_refused_even_where_the_acl_would_allow_it()
    {
        // Anonymous clients may use public/# only; the reserved prefix is refused whatever the ACL, like $ topics.
        var (code, connected) = await ConnAckCodeAsync(TestClient.Options(App, version: MqttProtocolVersion.V500)
            .WithWillTopic("dashboard/alerts/forged").WithWillPayload("x"));
        Assert.False(connected);
        Assert.Equal(0x87, code);

        await using var admin = await ConnectAsync("admin", WillAclFixture.AdminPassword, MqttProtocolVersion.V500);
        var publish = await admin.PublishAsync("dashboard/alerts/forged", "x", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, publish.ReasonCode); // an admin with no ACL at all, too
        var parent = await admin.PublishAsync("dashboard/alerts", "x", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, parent.ReasonCode);
    }

    [Fact]
    public async Task Mosquitto_with_a_will_on_another_devices_status_is_refused_as_not_authorised()
    {
        var (user, other) = (await fixture.NewDeviceAsync(), await fixture.NewDeviceAsync("other"));
        var othersStatus = $"devices/{other}/status";
        await using (var owner = await ConnectAsync(other, WillAclFixture.Password))
        {
            await owner.PublishAsync(othersStatus, "online", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
        }

        var port = App.MqttPort.ToString(CultureInfo.InvariantCulture);
        var (exitCode, output) = await ExternalProcess.RunAsync("mosquitto_pub",
        [
            "-h", "127.0.0.1", "-p", port, "-u", user, "-P", WillAclFixture.Password, "-t", $"devices/{user}/temp", "-m", "21",
            "--will-topic", othersStatus, "--will-payload", "offline", "--will-retain", "--will-qos", "1",
        ]);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("not authori", output, StringComparison.OrdinalIgnoreCase); // "Connection Refused: not authorised."
        await AssertRetainedAsync(othersStatus, "online");
    }

    [Fact]
    public async Task A_will_the_acl_no_longer_allows_when_it_is_due_is_dropped_and_counted()
    {
        var user = await fixture.NewDeviceAsync();
        var topic = $"devices/{user}/status";
        var metrics = App.Services.GetRequiredService<BrokerMetrics>();
        await using var watcher = await ConnectAsync("admin", WillAclFixture.AdminPassword);
        await watcher.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        var device = await TestClient.ConnectAsync(TestClient.Options(App).WithCredentials(user, WillAclFixture.Password)
            .WithWillTopic(topic).WithWillPayload("offline").WithWillRetain().Build());
        Assert.True(device.Client.IsConnected);

        using var http = App.CreateHttpClient();
        var acl = new[] { new { filter = "devices/%u/data/#", access = "readwrite" } };
        Assert.Equal(HttpStatusCode.OK, (await http.PutAsJsonAsync($"/api/broker-users/{user}", new { acl })).StatusCode);
        var refusedBefore = metrics.WillsRefused;

        device.Client.Dispose();

        await DashboardApp.WaitUntilAsync(() => metrics.WillsRefused > refusedBefore, "the will to be dropped");
        Assert.True(await watcher.NothingArrivesAsync(TimeSpan.FromMilliseconds(300)), "the will was not published");
        await using var late = await ConnectAsync("admin", WillAclFixture.AdminPassword);
        await late.SubscribeAsync(topic);
        Assert.True(await late.NothingArrivesAsync(TimeSpan.FromMilliseconds(300)), "nor retained");
    }

    private async Task AssertRetainedAsync(string topic, string expected)
    {
        await using var reader = await ConnectAsync("admin", WillAclFixture.AdminPassword);
        await reader.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        var retained = await reader.NextAsync();
        Assert.Equal((topic, expected, true), (retained.Topic, retained.Text(), retained.Retain));
    }

    private async Task<TestClient> ConnectAsync(string user, string password, MqttProtocolVersion version = MqttProtocolVersion.V311)
    {
        var client = await TestClient.ConnectAsync(TestClient.Options(App, version: version).WithCredentials(user, password).Build());
        Assert.True(client.Client.IsConnected, $"{user} could not connect");
        return client;
    }

    /// <summary>The return code (3.1.1) or reason code (MQTT 5) of CONNACK as it came over the wire.</summary>
    internal static async Task<(byte Code, bool Connected)> ConnAckCodeAsync(MqttClientOptionsBuilder builder)
    {
        byte[]? connAck = null;
        await using var client = await TestClient.ConnectAsync(builder.Build(), (direction, bytes) =>
        {
            if (direction == MqttPacketFlowDirection.Inbound && bytes.Length >= 4 && bytes[0] == 0x20)
            {
                connAck = bytes;
            }
        });
        Assert.NotNull(connAck);
        return (connAck[3], client.Client.IsConnected);
    }
}
