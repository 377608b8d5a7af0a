using Dashboard.IntegrationTests.Infrastructure;
using MQTTnet.Protocol;

namespace Dashboard.IntegrationTests.External;

/// <summary>
/// Several dashboards in one shared subscription group on the external broker (mosquitto): each message is handled by
/// one of them; one that stops is covered by the others, or (with its persistent session) gets its share when it is back.
/// </summary>
public sealed class SharedGroupTests
{
    private const int Count = 20;

    [Fact]
    public async Task Two_instances_in_one_group_split_the_messages_each_handled_once()
    {
        await using var mosquitto = await Mosquitto.StartAsync();
        var group = NewName("group");
        await using var first = await StartAsync(mosquitto, NewName("dash-a"), group);
        await using var second = await StartAsync(mosquitto, NewName("dash-b"), group);

        var topics = await PublishAsync(mosquitto, NewName("ext/split"));

        var (a, b) = await HandledAsync(first, second, topics);
        Assert.NotEmpty(a);
        Assert.NotEmpty(b);
        Assert.Empty(a.Intersect(b));
    }

    [Fact]
    public async Task When_one_instance_stops_without_a_persistent_session_the_other_gets_every_message()
    {
        await using var mosquitto = await Mosquitto.StartAsync();
        var group = NewName("group");
        await using var remaining = await StartAsync(mosquitto, NewName("dash-a"), group, sessionExpiry: "00:00:00");
        await using (await StartAsync(mosquitto, NewName("dash-b"), group, sessionExpiry: "00:00:00"))
        {
        } // stopped: its session ends with its connection, and it leaves the group

        var topics = await PublishAsync(mosquitto, NewName("ext/alone"));

        using var http = remaining.CreateHttpClient();
        await ExternalBrokerTests.LatestAsync(http, latest => topics.All(latest.ContainsKey));
    }

    [Fact]
    public async Task A_restarted_instance_gets_its_share_of_what_came_while_it_was_down_and_rejoins()
    {
        await using var mosquitto = await Mosquitto.StartAsync();
        var (group, restartedId) = (NewName("group"), NewName("dash-a"));
        var database = DashboardApp.NewDatabasePath();
        await using var other = await StartAsync(mosquitto, NewName("dash-b"), group);
        await using (await StartAsync(mosquitto, restartedId, group, database))
        {
        } // stopped: the broker keeps its session, and its share of the messages waits there

        var whileDown = await PublishAsync(mosquitto, NewName("ext/down"));
        await using var restarted = await StartAsync(mosquitto, restartedId, group, database);

        var (queued, live) = await HandledAsync(restarted, other, whileDown);
        Assert.NotEmpty(queued);
        Assert.Empty(queued.Intersect(live));

        var afterwards = await PublishAsync(mosquitto, NewName("ext/back"));
        var (rejoined, others) = await HandledAsync(restarted, other, afterwards);
        Assert.NotEmpty(rejoined);
        Assert.NotEmpty(others);
    }

    private static string NewName(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    private static async Task<DashboardApp> StartAsync(Mosquitto mosquitto, string clientId, string group, string? database = null, string? sessionExpiry = null)
    {
        var app = await DashboardApp.StartAsync(database, mosquitto.Settings(clientId, group, sessionExpiry));
        using var http = app.CreateHttpClient();
        await ExternalBrokerTests.WaitForHealthyAsync(http); // connected and subscribed
        return app;
    }

    /// <summary>Publishes <see cref="Count"/> readings, each on a topic of its own, with QoS 1; returns the topics.</summary>
    private static async Task<List<string>> PublishAsync(Mosquitto mosquitto, string prefix)
    {
        await using var device = await TestClient.ConnectAsync(TestClient.Options(mosquitto.Port, NewName("device")).Build());
        List<string> topics = [.. Enumerable.Range(0, Count).Select(i => $"{prefix}/s{i}/value")];
        foreach (var topic in topics)
        {
            await device.PublishAsync(topic, "1", MqttQualityOfServiceLevel.AtLeastOnce);
        }

        return topics;
    }

    /// <summary>Which of <paramref name="topics"/> each instance shows as a latest reading, once together they show all.</summary>
    private static async Task<(HashSet<string> First, HashSet<string> Second)> HandledAsync(DashboardApp first, DashboardApp second, List<string> topics)
    {
        using var firstHttp = first.CreateHttpClient();
        using var secondHttp = second.CreateHttpClient();
        HashSet<string> a = [], b = [];
        await DashboardApp.WaitUntilAsync(async () =>
        {
            a = [.. (await ExternalBrokerTests.LatestAsync(firstHttp, _ => true)).Keys.Intersect(topics)];
            b = [.. (await ExternalBrokerTests.LatestAsync(secondHttp, _ => true)).Keys.Intersect(topics)];
            return topics.All(t => a.Contains(t) || b.Contains(t));
        }, "every message to be handled by one of the instances");
        return (a, b);
    }
}
