using Dashboard.Broker.Sessions;
using MQTTnet.Protocol;

namespace Dashboard.Tests.Broker;

public sealed class SessionRecordTests
{
    private static SessionRecord With(params (string Filter, MqttQualityOfServiceLevel Qos, bool RetainAsPublished)[] subscriptions)
    {
        var record = new SessionRecord("device");
        foreach (var (filter, qos, rap) in subscriptions)
        {
            record.Subscriptions[filter] = new StoredSubscription(qos, false, rap, MqttRetainHandling.SendAtSubscribe, 0);
        }

        return record;
    }

    [Fact]
    public void Delivers_at_the_highest_matching_subscription_capped_by_the_publish()
    {
        var record = With(("home/#", MqttQualityOfServiceLevel.AtMostOnce, false), ("home/+/cmd", MqttQualityOfServiceLevel.ExactlyOnce, false));

        Assert.Equal(MqttQualityOfServiceLevel.ExactlyOnce, record.Match("home/led/cmd", MqttQualityOfServiceLevel.ExactlyOnce)?.Qos);
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, record.Match("home/led/cmd", MqttQualityOfServiceLevel.AtLeastOnce)?.Qos);
        Assert.Equal(MqttQualityOfServiceLevel.AtMostOnce, record.Match("home/led/state", MqttQualityOfServiceLevel.ExactlyOnce)?.Qos);
        Assert.Null(record.Match("office/led/cmd", MqttQualityOfServiceLevel.ExactlyOnce));
    }

    [Fact]
    public void Shared_subscriptions_are_not_matched_as_plain_filters() =>
        Assert.Null(With(("$share/g/home/#", MqttQualityOfServiceLevel.AtLeastOnce, false)).Match("home/a", MqttQualityOfServiceLevel.AtLeastOnce));

    [Fact]
    public void An_offline_session_expires_after_its_interval()
    {
        var record = new SessionRecord("device") { ExpirySeconds = 60, DisconnectedAt = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc) };

        Assert.False(record.IsExpired(new DateTime(2026, 1, 1, 0, 0, 59, DateTimeKind.Utc)));
        Assert.True(record.IsExpired(new DateTime(2026, 1, 1, 0, 1, 0, DateTimeKind.Utc)));
    }
}
