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
}
