using System.Globalization;
using Dashboard.IntegrationTests.Infrastructure;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.Broker;

/// <summary>
/// The tutorials' own scripts and commands (Seeds/), run unchanged against the broker but for host and port:
/// each gets a fresh broker because the tutorials share topic names.
/// </summary>
public sealed class SeedScriptTests : IAsyncLifetime
{
    private DashboardApp _app = null!;

    public async Task InitializeAsync() => _app = await DashboardApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Tutorial_000_publisher_runs_to_the_end_and_what_arrives_arrives_in_order()
    {
        await using var watcher = await TestClient.ConnectAsync(_app);
        await watcher.SubscribeAsync("home/temperature");
        await using var subscriber = SeedScript.Start("000_subscriber.py", _app.MqttPort);
        await WhenSubscribedAsync(subscriber, "home/temperature", probe => $"Received: {probe}");
        while (!await watcher.NothingArrivesAsync(TimeSpan.FromMilliseconds(200)))
        {
            await watcher.NextAsync(); // the probes
        }

        await using var publisher = SeedScript.Start("000_publisher.py", _app.MqttPort);
        await publisher.WaitForExitAsync();

        // The script runs no network loop and exits right after disconnect() with CONNACK unread, so the
        // kernel closes its socket with a reset, which can discard publishes the broker has not read yet:
        // on any broker, some or all of them may be lost (Mosquitto 2.0.11 passed on 2 of 5 here). What
        // arrives must be the script's messages, in order.
        Assert.Contains("Published: Temperature: 24°C", publisher.Output);
        var expected = Enumerable.Range(20, 5).Select(t => $"Temperature: {t}°C").ToList();
        var received = new List<string>();
        while (!await watcher.NothingArrivesAsync(TimeSpan.FromMilliseconds(500)))
        {
            received.Add((await watcher.NextAsync()).Text());
        }

        Assert.Equal(expected.Take(received.Count), received);
    }

    [Fact]
    public async Task Tutorial_000_sensor_publishes_temperature_text()
    {
        await using var watcher = await TestClient.ConnectAsync(_app);
        await watcher.SubscribeAsync("sensor/temp");

        await using var sensor = SeedScript.Start("000_sensor.py", _app.MqttPort);

        Assert.Matches(@"^Temperature: \d+(\.\d+)?°C$", (await watcher.NextAsync()).Text());
    }

    [Fact]
    public async Task Tutorial_001_basic_publisher_reaches_the_wildcard_subscriber()
    {
        await using var subscriber = SeedScript.Start("001_subscriber.py", _app.MqttPort);
        await subscriber.WaitForLineAsync("Connected with result code 0");
        await WhenSubscribedAsync(subscriber, "home/probe/temperature", probe => $"home/probe/temperature: {probe}");

        await using var publisher = SeedScript.Start("001_publisher.py", _app.MqttPort);

        await subscriber.WaitForLineAsync(line => line.StartsWith("home/living-room/temperature: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Tutorial_001_retained_status_reaches_a_late_subscriber()
    {
        await using (var script = SeedScript.Start("001_retained.py", _app.MqttPort))
        {
            await script.WaitForExitAsync();
        }

        await using var late = await TestClient.ConnectAsync(_app);
        await late.SubscribeAsync("home/status");
        var retained = await late.NextAsync();
        Assert.Equal(("online", true), (retained.Text(), retained.Retain));
    }

    [Fact]
    public async Task Tutorial_001_last_will_reports_the_sensor_offline_when_it_goes_away()
    {
        await using var watcher = await TestClient.ConnectAsync(_app);
        await watcher.SubscribeAsync("home/sensor/status", MqttQualityOfServiceLevel.AtLeastOnce);

        // The script publishes "online" and ends without DISCONNECT: to the broker, the sensor vanished.
        await using var sensor = SeedScript.Start("001_lwt.py", _app.MqttPort);

        Assert.Equal("online", (await watcher.NextAsync()).Text());
        Assert.Equal("offline", (await watcher.NextAsync()).Text());
    }

    [Fact]
    public async Task Tutorial_001_json_sensor_reaches_its_monitor()
    {
        await using var monitor = SeedScript.Start("001_realworld_subscriber.py", _app.MqttPort);
        await monitor.WaitForLineAsync("Connected to broker");
        await using var probe = await TestClient.ConnectAsync(_app);
        await WhenSubscribedAsync(monitor, "sensors/temperature/probe",
            n => $"probe-{n}: 20°C, 50%", n => $$"""{"sensor_id": "probe-{{n}}", "temperature": 20, "humidity": 50, "timestamp": 1700000000}""");

        await using var sensor = SeedScript.Start("001_realworld_publisher.py", _app.MqttPort);

        await monitor.WaitForLineAsync(line => line.Contains("] temp_01: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Tutorial_001_mosquitto_commands_round_trip()
    {
        var port = _app.MqttPort.ToString(CultureInfo.InvariantCulture);
        await using var subscriber = ExternalProcess.Start("mosquitto_sub", ["-h", "localhost", "-p", port, "-t", "test/topic"]);
        await WhenSubscribedAsync(subscriber, "test/topic", probe => probe);

        var (exitCode, _) = await ExternalProcess.RunAsync("mosquitto_pub", ["-h", "localhost", "-p", port, "-t", "test/topic", "-m", "Hello MQTT!"]);

        Assert.Equal(0, exitCode);
        await subscriber.WaitForLineAsync("Hello MQTT!");
    }

    [Fact]
    public async Task Tutorial_002_paho2_publisher_reaches_its_subscriber()
    {
        await using var subscriber = SeedScript.Start("002_subscriber.py", _app.MqttPort);
        await subscriber.WaitForLineAsync("Connected with code Success");
        await WhenSubscribedAsync(subscriber, "home/probe/temperature", n => $"home/probe/temperature: {n}°C", n => $$"""{"value": "{{n}}"}""");

        await using var publisher = SeedScript.Start("002_publisher.py", _app.MqttPort);

        await subscriber.WaitForLineAsync("home/livingroom/temperature: 23.5°C");
    }

    [Fact]
    public async Task Tutorial_002_paho2_last_will_reports_the_sensor_offline()
    {
        await using var watcher = await TestClient.ConnectAsync(_app);
        await watcher.SubscribeAsync("home/sensor1/status", MqttQualityOfServiceLevel.AtLeastOnce);

        await using var sensor = SeedScript.Start("002_lwt.py", _app.MqttPort);

        var will = await watcher.NextAsync();
        Assert.Equal(("offline", "home/sensor1/status"), (will.Text(), will.Topic));
    }

    [Fact]
    public async Task Tutorial_003_subscriber_receives_test_topic()
    {
        await using var subscriber = SeedScript.Start("003_subscriber.py", _app.MqttPort);

        await WhenSubscribedAsync(subscriber, "test/topic", probe => $"Received message: {probe} on topic test/topic");
    }

    [Fact]
    public void Scripts_are_only_repointed_at_the_test_broker()
    {
        const string script = """
            client.connect("localhost", 1883, 60)
            client.connect(broker)
            client.connect("mqtt.eclipse.org", 1883, 60)
            """;

        Assert.Equal("""
            client.connect("127.0.0.1", 4242, 60)
            client.connect(broker, 4242)
            client.connect("127.0.0.1", 4242, 60)
            """, SeedScript.PointAt(script, 4242));
    }

    /// <summary>
    /// Publishes probes to <paramref name="topic"/> until the script prints that it got one: then its
    /// subscription is live (the scripts print nothing when they subscribe).
    /// </summary>
    private async Task WhenSubscribedAsync(ExternalProcess script, string topic, Func<string, string> expectedLine, Func<string, string>? payload = null)
    {
        await using var prober = await TestClient.ConnectAsync(_app);
        var deadline = DateTime.UtcNow + TestClient.Patience;
        for (var n = 1; DateTime.UtcNow < deadline; n++)
        {
            var probe = $"probe-{n}";
            await prober.PublishAsync(topic, payload?.Invoke(probe) ?? probe);
            try
            {
                await script.WaitForLineAsync(expectedLine(probe), TimeSpan.FromMilliseconds(300));
                return;
            }
            catch (TimeoutException)
            {
                Assert.False(script.HasExited, $"the script ended early:\n{script.Output}");
            }
        }

        throw new TimeoutException($"The script never received a probe on {topic}. Output:\n{script.Output}");
    }
}
