using System.Buffers;
using Dashboard.Broker.Transport;
using MQTTnet.Exceptions;

namespace Dashboard.Tests.Broker;

public sealed class MqttFrameTests
{
    [Theory]
    [InlineData(new byte[] { 0x30, 0x00 }, 2, 0)]
    [InlineData(new byte[] { 0x30, 0x7F }, 2, 127)]
    [InlineData(new byte[] { 0x30, 0x80, 0x01 }, 3, 128)]
    [InlineData(new byte[] { 0x30, 0xFF, 0x7F }, 3, 16_383)]
    [InlineData(new byte[] { 0x30, 0x80, 0x80, 0x01 }, 4, 16_384)]
    public void Reads_the_remaining_length(byte[] header, int headerLength, int bodyLength)
    {
        Assert.True(MqttFrame.TryReadHeader(new ReadOnlySequence<byte>(header), int.MaxValue, out var h, out var b));
        Assert.Equal((headerLength, bodyLength), (h, b));
    }

    [Fact]
    public void Waits_for_the_rest_of_a_split_length() =>
        Assert.False(MqttFrame.TryReadHeader(new ReadOnlySequence<byte>([0x30, 0x80]), int.MaxValue, out _, out _));

    [Fact]
    public void Refuses_a_packet_over_the_limit_before_its_body_arrives() =>
        Assert.Throws<MqttPacketTooLargeException>(() =>
            MqttFrame.TryReadHeader(new ReadOnlySequence<byte>([0x30, 0x80, 0x80, 0x01]), 1000, out _, out _));

    [Fact]
    public void Refuses_a_length_of_more_than_four_bytes() =>
        Assert.Throws<MqttProtocolViolationException>(() =>
            MqttFrame.TryReadHeader(new ReadOnlySequence<byte>([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]), int.MaxValue, out _, out _));
}
