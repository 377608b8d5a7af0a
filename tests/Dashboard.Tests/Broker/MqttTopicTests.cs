using Dashboard.Broker;

namespace Dashboard.Tests.Broker;

public sealed class MqttTopicTests
{
    [Theory]
    [InlineData("home/livingroom/temperature")]
    [InlineData("/leading/slash")]
    [InlineData("$SYS/broker/uptime")]
    [InlineData("a")]
    public void Plain_topics_are_valid_names(string topic) => Assert.True(MqttTopic.IsValidTopicName(topic));

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("home/+/temperature")]
    [InlineData("home/#")]
    [InlineData("nul\0inside")]
    public void Wildcards_empty_and_nul_are_not_topic_names(string? topic) => Assert.False(MqttTopic.IsValidTopicName(topic));

    [Theory]
    [InlineData("#")]
    [InlineData("+")]
    [InlineData("home/+/temperature")]
    [InlineData("home/#")]
    [InlineData("+/+/#")]
    [InlineData("sport/tennis")]
    public void Valid_filters(string filter) => Assert.True(MqttTopic.IsValidFilter(filter));

    [Theory]
    [InlineData("a/#/b")]
    [InlineData("sport+")]
    [InlineData("sport/#tennis")]
    [InlineData("home/te+mp")]
    [InlineData("")]
    public void Invalid_filters(string filter) => Assert.False(MqttTopic.IsValidFilter(filter));

    // The specification's own examples (MQTT 5 §4.7.1), and its rule for $ topics [MQTT-4.7.2-1].
    [Theory]
    [InlineData("sport/tennis/player1/#", "sport/tennis/player1", true)]
    [InlineData("sport/tennis/player1/#", "sport/tennis/player1/ranking", true)]
    [InlineData("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true)]
    [InlineData("sport/#", "sport", true)]
    [InlineData("#", "sport/tennis", true)]
    [InlineData("sport/tennis/+", "sport/tennis/player1", true)]
    [InlineData("sport/tennis/+", "sport/tennis/player1/ranking", false)]
    [InlineData("sport/+", "sport", false)]
    [InlineData("sport/+", "sport/", true)]
    [InlineData("+/+", "/finance", true)]
    [InlineData("/+", "/finance", true)]
    [InlineData("+", "/finance", false)]
    [InlineData("home/+/temperature", "home/kitchen/temperature", true)]
    [InlineData("home/+/temperature", "home/kitchen/humidity", false)]
    [InlineData("home/kitchen", "home/kitchen/temperature", false)]
    [InlineData("#", "$SYS/broker/uptime", false)]
    [InlineData("+/broker/uptime", "$SYS/broker/uptime", false)]
    [InlineData("$SYS/#", "$SYS/broker/uptime", true)]
    [InlineData("+/#", "sport", true)] // MQTTnet's own comparison misses these two
    [InlineData("sport/+/x", "sport//x", true)]
    public void Filters_match_topics_level_by_level(string filter, string topic, bool matches) =>
        Assert.Equal(matches, MqttTopic.Matches(filter, topic));
}
