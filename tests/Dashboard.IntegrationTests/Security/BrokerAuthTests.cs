using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Dashboard.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.Security;

/// <summary>
/// A broker with anonymous access off and three users made through the HTTP API: a device that may only touch
/// its own topics (with %u and %c), a viewer that may only read status topics, and an admin with no ACL (everything).
/// </summary>
public sealed class SecuredAppFixture : IAsyncLifetime
{
    public const string DevicePassword = "device-secret";
    public const string AdminPassword = "admin-secret";

    public DashboardApp App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = await DashboardApp.StartAsync(settings: new Dictionary<string, string?> { ["Broker:AllowAnonymous"] = "false" });
        using var http = App.CreateHttpClient();
        await CreateAsync(http, "device1", DevicePassword,
            new AclLine("devices/%u/#", "readwrite"), new AclLine("devices/%u/private/#", "deny"), new AclLine("cmd/%c/#", "read"));
        await CreateAsync(http, "viewer", "viewer-secret", new AclLine("devices/+/status", "read"));
        await CreateAsync(http, "admin", AdminPassword);
    }

    public async Task DisposeAsync() => await App.DisposeAsync();

    private static async Task CreateAsync(HttpClient http, string name, string password, params AclLine[] acl)
    {
        var response = await http.PostAsJsonAsync("/api/broker-users", new { name, password, acl });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    public sealed record AclLine(string Filter, string Access);
}

public sealed class BrokerAuthTests(SecuredAppFixture fixture) : IClassFixture<SecuredAppFixture>
{
    private DashboardApp App => fixture.App;

    public static TheoryData<bool, MqttProtocolVersion> Transports => new()
    {
        { false, MqttProtocolVersion.V311 },
        { false, MqttProtocolVersion.V500 },
        { true, MqttProtocolVersion.V311 },
        { true, MqttProtocolVersion.V500 },
    };

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Wrong_password_and_unknown_user_are_refused_as_bad_credentials(bool webSocket, MqttProtocolVersion version)
    {
        var expected = version == MqttProtocolVersion.V500 ? 0x86 : 0x04;
        Assert.Equal(expected, await RefusalAsync(webSocket, version, "device1", "wrong"));
        Assert.Equal(expected, await RefusalAsync(webSocket, version, "nobody", "whatever"));
        Assert.Equal(expected, await RefusalAsync(webSocket, version, "device1", null));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Anonymous_clients_are_refused_as_not_authorized_when_anonymous_access_is_off(bool webSocket, MqttProtocolVersion version) =>
        Assert.Equal(version == MqttProtocolVersion.V500 ? 0x87 : 0x05, await RefusalAsync(webSocket, version, null, null));

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task The_right_password_connects(bool webSocket, MqttProtocolVersion version)
    {
        await using var client = await ConnectAsync("device1", SecuredAppFixture.DevicePassword, webSocket: webSocket, version: version);
        Assert.True(client.Client.IsConnected);
    }

    [Theory]
    [InlineData("device1", "wrong", 0x04)]
    [InlineData("nobody", "x", 0x04)]
    [InlineData(null, null, 0x05)]
    public async Task Mqtt311_connack_carries_return_code_4_or_5_on_the_wire(string? user, string? password, byte returnCode)
    {
        await using var socket = await RawMqttSocket.ConnectAsync(App.MqttPort);
        await socket.SendAsync(new MqttConnectPacket
        {
            ClientId = "raw-" + Guid.NewGuid().ToString("N")[..8],
            CleanSession = true,
            KeepAlivePeriod = 30,
            Username = user,
            Password = password is null ? null : Encoding.UTF8.GetBytes(password),
        });
        Assert.Equal([0x20, 0x02, 0x00, returnCode], await socket.ReadAsync(4));
    }

    [Fact]
    public async Task Mosquitto_pub_with_u_and_P_is_let_in_with_the_right_password_only()
    {
        await using var admin = await ConnectAsync("admin", SecuredAppFixture.AdminPassword);
        await admin.SubscribeAsync("devices/device1/#");
        var port = App.MqttPort.ToString(CultureInfo.InvariantCulture);

        var (refused, _) = await ExternalProcess.RunAsync("mosquitto_pub",
            ["-h", "127.0.0.1", "-p", port, "-u", "device1", "-P", "wrong", "-t", "devices/device1/temp", "-m", "bad"]);
        var (accepted, _) = await ExternalProcess.RunAsync("mosquitto_pub",
            ["-h", "127.0.0.1", "-p", port, "-u", "device1", "-P", SecuredAppFixture.DevicePassword, "-t", "devices/device1/temp", "-m", "good"]);

        Assert.NotEqual(0, refused);
        Assert.Equal(0, accepted);
        Assert.Equal("good", (await admin.NextAsync()).Text());
    }

    [Fact]
    public async Task A_device_publishes_only_to_its_own_topics()
    {
        await using var admin = await ConnectAsync("admin", SecuredAppFixture.AdminPassword);
        await admin.SubscribeAsync("devices/#");
        await using var device = await ConnectAsync("device1", SecuredAppFixture.DevicePassword);

        await device.PublishAsync("devices/device2/temp", "forged", MqttQualityOfServiceLevel.AtLeastOnce);
        await device.PublishAsync("devices/device1/private/key", "denied", MqttQualityOfServiceLevel.AtLeastOnce);
        await device.PublishAsync("devices/device1/temp", "21.5", MqttQualityOfServiceLevel.AtLeastOnce);

        // Delivery to one subscriber keeps publish order: the first that arrives is the allowed one.
        var first = await admin.NextAsync();
        Assert.Equal(("devices/device1/temp", "21.5"), (first.Topic, first.Text()));
    }

    [Fact]
    public async Task A_denied_mqtt5_publish_gets_puback_not_authorized()
    {
        await using var device = await ConnectAsync("device1", SecuredAppFixture.DevicePassword, version: MqttProtocolVersion.V500);
        var denied = await device.PublishAsync("devices/device2/temp", "forged", MqttQualityOfServiceLevel.AtLeastOnce);
        var allowed = await device.PublishAsync("devices/device1/temp", "ok", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, denied.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, allowed.ReasonCode);
    }

    [Fact]
    public async Task Subscriptions_are_granted_or_refused_by_acl_with_username_and_client_id()
    {
        var clientId = "dev-" + Guid.NewGuid().ToString("N")[..8];
        await using var device = await ConnectAsync("device1", SecuredAppFixture.DevicePassword, clientId, version: MqttProtocolVersion.V500);

        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS0, await SubscribeCodeAsync(device, "devices/device1/#"));
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS0, await SubscribeCodeAsync(device, $"cmd/{clientId}/#"));
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await SubscribeCodeAsync(device, "cmd/other-client/#"));
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await SubscribeCodeAsync(device, "devices/device2/#"));
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await SubscribeCodeAsync(device, "devices/#"));
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await SubscribeCodeAsync(device, "devices/device1/private/#"));

        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS0, await SubscribeCodeAsync(device, "$share/g/devices/device1/#"));
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await SubscribeCodeAsync(device, "$share/g/devices/#"));

        await using var viewer = await ConnectAsync("viewer", "viewer-secret", version: MqttProtocolVersion.V500);
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS0, await SubscribeCodeAsync(viewer, "devices/+/status"));
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS0, await SubscribeCodeAsync(viewer, "devices/device7/status"));
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await SubscribeCodeAsync(viewer, "devices/+/temp"));
    }

    [Fact]
    public async Task Mqtt311_suback_says_0x80_for_a_denied_filter_on_the_wire()
    {
        await using var socket = await RawMqttSocket.ConnectAsync(App.MqttPort);
        await socket.SendAsync(new MqttConnectPacket
        {
            ClientId = "raw-" + Guid.NewGuid().ToString("N")[..8],
            CleanSession = true,
            KeepAlivePeriod = 30,
            Username = "device1",
            Password = Encoding.UTF8.GetBytes(SecuredAppFixture.DevicePassword),
        });
        Assert.Equal([0x20, 0x02, 0x00, 0x00], await socket.ReadAsync(4));
        await socket.SendAsync(RawPackets.Subscribe(7, "devices/device2/#", "devices/device1/#"));
        Assert.Equal([0x90, 0x04, 0x00, 0x07, 0x80, 0x00], await socket.ReadAsync(6));
    }

    [Fact]
    public async Task Retained_messages_the_acl_denies_are_not_delivered_on_subscribe()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        await using (var admin = await ConnectAsync("admin", SecuredAppFixture.AdminPassword))
        {
            await admin.PublishAsync($"devices/device1/private/{id}", "secret", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
            await admin.PublishAsync($"devices/device1/public/{id}", "hello", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
        }

        await using var device = await ConnectAsync("device1", SecuredAppFixture.DevicePassword);
        await device.SubscribeAsync("devices/device1/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await device.PublishAsync($"devices/device1/marker/{id}", "end", MqttQualityOfServiceLevel.AtLeastOnce);

        // Retained messages are queued on subscribe, before the marker published after it.
        var topics = new List<string>();
        while (topics.LastOrDefault() != $"devices/device1/marker/{id}")
        {
            topics.Add((await device.NextAsync()).Topic);
        }

        Assert.Contains($"devices/device1/public/{id}", topics);
        Assert.DoesNotContain(topics, t => t.Contains("/private/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_shared_subscription_does_not_carry_what_a_deny_entry_forbids()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        await using var device = await ConnectAsync("device1", SecuredAppFixture.DevicePassword, version: MqttProtocolVersion.V500);
        await device.SubscribeAsync($"$share/{id}/devices/device1/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var admin = await ConnectAsync("admin", SecuredAppFixture.AdminPassword);
        await admin.PublishAsync($"devices/device1/private/{id}", "secret", MqttQualityOfServiceLevel.AtLeastOnce);
        await admin.PublishAsync($"devices/device1/cmd/{id}", "reboot", MqttQualityOfServiceLevel.AtLeastOnce);

        Assert.Equal($"devices/device1/cmd/{id}", (await device.NextAsync()).Topic);
    }

    [Fact]
    public async Task A_wide_subscription_does_not_carry_what_a_deny_entry_forbids()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        await using var device = await ConnectAsync("device1", SecuredAppFixture.DevicePassword);
        await device.SubscribeAsync("devices/device1/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var admin = await ConnectAsync("admin", SecuredAppFixture.AdminPassword);
        await admin.PublishAsync($"devices/device1/private/{id}", "secret", MqttQualityOfServiceLevel.AtLeastOnce);
        await admin.PublishAsync($"devices/device1/cmd/{id}", "reboot", MqttQualityOfServiceLevel.AtLeastOnce);

        var first = await device.NextAsync();
        Assert.Equal($"devices/device1/cmd/{id}", first.Topic);
    }

    /// <summary>The CONNACK code as it came over the wire (3.1.1 return code or MQTT 5 reason code), read from the client's packet inspector.</summary>
    private async Task<byte> RefusalAsync(bool webSocket, MqttProtocolVersion version, string? user, string? password)
    {
        var builder = TestClient.Options(App, webSocket: webSocket, version: version);
        if (user is not null)
        {
            builder = builder.WithCredentials(user, password);
        }

        byte[]? connAck = null;
        await using var client = await TestClient.ConnectAsync(builder.Build(), (direction, bytes) =>
        {
            if (direction == MQTTnet.Diagnostics.PacketInspection.MqttPacketFlowDirection.Inbound && bytes.Length >= 4 && bytes[0] == 0x20)
            {
                connAck = bytes;
            }
        });
        Assert.False(client.Client.IsConnected);
        Assert.NotNull(connAck);
        return connAck[3];
    }

    private async Task<TestClient> ConnectAsync(string user, string password, string? clientId = null, bool webSocket = false,
        MqttProtocolVersion version = MqttProtocolVersion.V311) =>
        await TestClient.ConnectAsync(TestClient.Options(App, clientId, webSocket, version).WithCredentials(user, password).Build());

    private static async Task<MqttClientSubscribeResultCode> SubscribeCodeAsync(TestClient client, string filter) =>
        (await client.SubscribeAsync(filter)).Items.Single().ResultCode;
}
