using Dashboard.Broker.Retained;
using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.Broker;

/// <summary>
/// The tutorials' publisher: connect, publish, disconnect, exit, with no network loop, so CONNACK is never read and
/// the socket closes with a reset right behind the PUBLISH. Every such message is kept and delivered, as Mosquitto does.
/// </summary>
public sealed class OneShotPublisherTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private const int Publishers = 100;

    private DashboardApp App => fixture.App;

    [Fact]
    public async Task Rounds_of_a_hundred_parallel_paho_one_shot_publishers_lose_nothing()
    {
        for (var round = 0; round < 5; round++)
        {
            var retained = $"oneshot/{Guid.NewGuid():N}";
            await RunPublishersAsync(retained, retain: true);
            Assert.Equal(Publishers, await RetainedCountAsync(retained, Publishers));

            var live = $"oneshot/{Guid.NewGuid():N}";
            await using var subscriber = await TestClient.ConnectAsync(App);
            await subscriber.SubscribeAsync($"{live}/#", MqttQualityOfServiceLevel.AtLeastOnce);
            await RunPublishersAsync(live, retain: false);
            Assert.Equal(Publishers, await DistinctTopicsAsync(subscriber, Publishers));
        }
    }

    /// <summary>Debian's paho-mqtt 1.6, one forked process per publisher, each exiting right after disconnect().</summary>
    private async Task RunPublishersAsync(string prefix, bool retain)
    {
        var script = $$"""
            import os, sys
            import paho.mqtt.client as mqtt
            children = []
            for i in range({{Publishers}}):
                pid = os.fork()
                if pid == 0:
                    client = mqtt.Client()
                    client.connect("127.0.0.1", {{App.MqttPort}}, 60)
                    client.publish("{{prefix}}/%d" % i, "v%d" % i, retain={{(retain ? "True" : "False")}})
                    client.disconnect()
                    os._exit(0)
                children.append(pid)
            failed = sum(1 for pid in children if os.waitpid(pid, 0)[1] != 0)
            print("failed", failed)
            sys.exit(1 if failed else 0)
            """;
        await using var python = ExternalProcess.Start("/usr/bin/python3", ["-c", script]);
        await python.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(python.ExitCode == 0, python.Output);
    }

    /// <summary>
    /// The retained messages a new subscriber gets, once the broker has taken every publisher's PUBLISH (or 15 s
    /// passed): a publisher exits without waiting for the broker, so on a loaded machine the last PUBLISHes may still
    /// be in processing when the publishers are gone. A lost message never turns up.
    /// </summary>
    private async Task<int> RetainedCountAsync(string prefix, int expected)
    {
        var retained = App.Services.GetRequiredService<RetainedStore>();
        try
        {
            await DashboardApp.WaitUntilAsync(() => Enumerable.Range(0, expected).All(i => retained.Since($"{prefix}/{i}") is not null),
                "the broker to take every retained PUBLISH", TimeSpan.FromSeconds(15));
        }
        catch (TimeoutException)
        {
            // the count below says how many
        }

        await using var reader = await TestClient.ConnectAsync(App);
        await reader.SubscribeAsync($"{prefix}/#");
        return await DistinctTopicsAsync(reader, expected);
    }

    /// <summary>How many distinct topics arrive, waiting until <paramref name="expected"/> did or 5 s pass without one.</summary>
    private static async Task<int> DistinctTopicsAsync(TestClient client, int expected)
    {
        var topics = new HashSet<string>();
        try
        {
            while (topics.Count < expected)
            {
                topics.Add((await client.NextAsync(TimeSpan.FromSeconds(5))).Topic);
            }
        }
        catch (TimeoutException)
        {
        }

        return topics.Count;
    }
}
