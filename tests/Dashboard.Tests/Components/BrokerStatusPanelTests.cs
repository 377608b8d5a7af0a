using Bunit;
using Dashboard.Broker.Status;
using Dashboard.Components.Overview;
using Dashboard.Ingestion;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MudBlazor.Services;

namespace Dashboard.Tests.Components;

public sealed class BrokerStatusPanelTests : BunitContext
{
    private readonly BrokerStatusFeed _feed = new(NullLogger<BrokerStatusFeed>.Instance);
    private readonly IngestionStats _ingestion = new();

    public BrokerStatusPanelTests()
    {
        Services.AddMudServices();
        Services.AddSingleton(_feed);
        Services.AddSingleton(_ingestion);
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    private static BrokerStatus Status(int clients = 3, double inRate = 1234, long dropped = 0) => new(
        Time: DateTimeOffset.UtcNow,
        Uptime: TimeSpan.FromMinutes(90),
        Listeners: [new ListenerInfo("Mqtt", "MQTT over TCP (3.1, 3.1.1, 5.0)", "mqtt://0.0.0.0:1883")],
        ConnectedClients: clients,
        MessagesInPerSecond: inRate,
        MessagesOutPerSecond: 12.5,
        MessagesReceived: 1_000_000,
        MessagesSent: 2_000,
        RetainedMessages: 7,
        PersistentSessions: 2,
        OfflineSessions: 1,
        IngestionProcessed: 999,
        IngestionBacklog: 0,
        IngestionDropped: 0,
        MessagesDropped: dropped,
        PacketsTooLarge: 0);

    private static string Metric(IRenderedComponent<BrokerStatusPanel> cut, string title) =>
        cut.Find($"[data-metric='{title}']").TextContent.Trim();

    [Fact]
    public void Shows_the_current_status_when_it_opens()
    {
        _feed.Publish(Status());

        var cut = Render<BrokerStatusPanel>();

        Assert.Equal("3", Metric(cut, "Connected clients"));
        Assert.Equal("1234/s", Metric(cut, "Messages in"));
        Assert.Equal("12.5/s", Metric(cut, "Messages out"));
        Assert.Equal("7", Metric(cut, "Retained messages"));
        Assert.Equal("1\u00A0h\u00A030\u00A0min", Metric(cut, "Uptime")); // never wrapped between a number and its unit
        Assert.Contains("2 persistent sessions, 1 offline", cut.Markup);
        Assert.Contains("mqtt://0.0.0.0:1883", cut.Markup);
        Assert.Contains("1,000,000 since start", cut.Markup);
    }

    [Fact]
    public void In_external_mode_the_connection_to_the_external_broker_takes_the_client_counts_place()
    {
        _feed.Publish(Status() with { External = new("mqtt://mqtt.home.lan:1883", null, "unreachable: the host name does not resolve") });
        var cut = Render<BrokerStatusPanel>();

        Assert.Equal("not connected", Metric(cut, "External broker"));
        Assert.Contains("mqtt://mqtt.home.lan:1883: unreachable: the host name does not resolve", cut.Markup, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-metric='Connected clients']"));

        _feed.Publish(Status() with { External = new("mqtt://mqtt.home.lan:1883", DateTimeOffset.UtcNow, null) });

        cut.WaitForAssertion(() => Assert.Equal("connected", Metric(cut, "External broker")));
    }

    [Fact]
    public void Updates_live_without_a_reload()
    {
        _feed.Publish(Status(clients: 1));
        var cut = Render<BrokerStatusPanel>();

        _feed.Publish(Status(clients: 42, inRate: 74_000));

        cut.WaitForAssertion(() =>
        {
            Assert.Equal("42", Metric(cut, "Connected clients"));
            Assert.Equal("74 k/s", Metric(cut, "Messages in"));
        });
    }

    [Fact]
    public void Warns_when_messages_were_dropped()
    {
        _feed.Publish(Status());
        var cut = Render<BrokerStatusPanel>();
        Assert.DoesNotContain("dropped", cut.Markup);

        _feed.Publish(Status(dropped: 5));

        cut.WaitForAssertion(() => Assert.Contains("5 messages dropped because a client's queue was full", cut.Markup));
    }

    [Fact]
    public void Warns_about_each_limit_that_refused_something()
    {
        _feed.Publish(Status());
        var cut = Render<BrokerStatusPanel>();
        Assert.DoesNotContain("refused", cut.Markup);

        _feed.Publish(Status() with { ConnectionsRefused = 2, TopicsRefused = 3, PublishRateExceeded = 1_500, SubscriptionsRefused = 7 });

        cut.WaitForAssertion(() =>
        {
            Assert.Contains("2 connections refused because Broker:MaxConnections were open", cut.Markup);
            Assert.Contains("3 topics refused for Broker:MaxTopicLength or MaxTopicLevels", cut.Markup);
            Assert.Contains("1,500 messages dropped because a client published faster than Broker:MaxPublishRatePerClient", cut.Markup);
            Assert.Contains("7 subscriptions refused: a client already held Broker:MaxSubscriptionsPerClient filters", cut.Markup);
        });
    }

    [Fact]
    public void Warns_about_failed_logins_refused_wills_and_malformed_packets()
    {
        _feed.Publish(Status() with { LoginsFailed = 12, WillsRefused = 1, PacketsMalformed = 4 });
        var cut = Render<BrokerStatusPanel>();

        cut.WaitForAssertion(() =>
        {
            Assert.Contains("12 broker logins failed", cut.Markup);
            Assert.Contains("1 Last Will refused: a topic its client may not publish to", cut.Markup);
            Assert.Contains("4 connections closed for a malformed packet", cut.Markup);
        });
    }

    [Theory]
    [InlineData(1, "1 message dropped because a client's queue was full")]
    [InlineData(2, "2 messages dropped because a client's queue was full")]
    public void Counts_read_as_words(long dropped, string expected)
    {
        _feed.Publish(Status(dropped: dropped) with { PersistentSessions = 1 });

        var cut = Render<BrokerStatusPanel>();

        Assert.Contains(expected, cut.Markup);
        Assert.Contains("1 persistent session, 1 offline", cut.Markup);
    }

    [Theory]
    [InlineData(111, "1\u00A0min\u00A051\u00A0s")]
    [InlineData(59, "59\u00A0s")]
    [InlineData(90_000, "1\u00A0d\u00A01\u00A0h")]
    public void Uptime_never_wraps_between_a_number_and_its_unit(int seconds, string expected) =>
        Assert.Equal(expected, BrokerStatusPanel.Uptime(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void Warns_about_payload_times_it_ignored()
    {
        _feed.Publish(Status());
        var cut = Render<BrokerStatusPanel>();
        Assert.Empty(cut.FindAll(".payload-times-ignored"));

        _ingestion.PayloadTimeIgnored();
        _ingestion.PayloadTimeIgnored();
        _feed.Publish(Status());

        cut.WaitForAssertion(() => Assert.Contains(
            "2 reading times ignored: further than Ingestion:PayloadTimeWindow from the arrival", cut.Find(".payload-times-ignored").TextContent));
    }

    [Fact]
    public async Task Stops_listening_when_it_is_removed()
    {
        var cut = Render<BrokerStatusPanel>();
        cut.WaitForAssertion(() => Assert.Equal(1, _feed.SubscriberCount));

        await DisposeComponentsAsync();

        Assert.Equal(0, _feed.SubscriberCount);
        _feed.Publish(Status(clients: 2)); // reaches nobody, and nothing throws
    }
}
