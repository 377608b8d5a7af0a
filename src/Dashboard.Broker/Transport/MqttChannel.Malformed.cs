using System.Buffers;
using System.Runtime.InteropServices;
using MQTTnet.Adapter;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace Dashboard.Broker.Transport;

/// <summary>Decoding a frame, and refusing one that breaks the protocol's rules.</summary>
internal sealed partial class MqttChannel
{
    private MqttPacket Decode(ReadOnlySequence<byte> frame, int headerLength)
    {
        var fixedHeader = frame.FirstSpan[0];
        var body = frame.Slice(headerLength);
        var segment = body.IsSingleSegment && MemoryMarshal.TryGetArray(body.First, out var array)
            ? array
            : new ArraySegment<byte>(body.ToArray());
        var received = new ReceivedMqttPacket(fixedHeader, segment, (int)frame.Length);
        if (PacketFormatterAdapter.ProtocolVersion != MqttProtocolVersion.Unknown)
        {
            ThrowIfMalformed(fixedHeader, segment);
            return PacketFormatterAdapter.Decode(received);
        }

        if (fixedHeader >> 4 != (int)MqttControlPacketType.Connect)
        {
            throw new MqttProtocolViolationException("The first packet must be CONNECT [MQTT-3.1.0-1].");
        }

        try
        {
            PacketFormatterAdapter.DetectProtocolVersion(received);
            Client.ProtocolVersion = PacketFormatterAdapter.ProtocolVersion;
            ThrowIfMalformed(fixedHeader, segment);
            return PacketFormatterAdapter.Decode(received);
        }
        catch (MqttProtocolViolationException ex) when (ex is not MalformedPacketException && ConnectRefusal.ReturnCodeFor(segment) is { } returnCode)
        {
            throw new ConnectRefusedException(returnCode, ex);
        }
    }

    /// <summary>The rules MQTTnet's decoder does not keep (ill-formed UTF-8, reserved flags, QoS 3, …): see <see cref="MqttPacketRules"/>.</summary>
    private void ThrowIfMalformed(byte fixedHeader, ReadOnlySpan<byte> body)
    {
        if (MqttPacketRules.Violation(fixedHeader, body, PacketFormatterAdapter.ProtocolVersion) is { } violation)
        {
            throw new MalformedPacketException(violation, fixedHeader >> 4 == (int)MqttControlPacketType.Connect,
                ReferenceEquals(violation, MqttPacketRules.TopicAliasZero) ? MqttDisconnectReasonCode.TopicAliasInvalid : MqttDisconnectReasonCode.MalformedPacket);
        }

        if (fixedHeader >> 4 == (int)MqttControlPacketType.Disconnect && PacketFormatterAdapter.ProtocolVersion == MqttProtocolVersion.V500)
        {
            Client.DisconnectSessionExpiry = MqttPacketRules.DisconnectSessionExpiry(body);
        }
    }

    /// <summary>
    /// MQTT 5 §4.13: a malformed packet gets DISCONNECT 0x81 (or the protocol error's own code) once CONNACK is out, or
    /// CONNACK 0x81 for a malformed CONNECT; MQTT 3.1.1 has no code for it and just closes.
    /// </summary>
    private async Task TellMalformedAsync(MalformedPacketException malformed, CancellationToken cancellationToken)
    {
        var isConnect = malformed.IsConnect;
        if (PacketFormatterAdapter.ProtocolVersion != MqttProtocolVersion.V500 || (!isConnect && !Client.IsEstablished))
        {
            return;
        }

        if (!isConnect)
        {
            await AcknowledgeEarlierPublishesAsync(cancellationToken);
        }

        byte[] packet = isConnect ? [0x20, 0x03, 0x00, 0x81, 0x00] : [0xE0, 0x01, (byte)malformed.ReasonCode];
        LingerOnClose();
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await _output.WriteAsync(packet, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException)
        {
            // the client is gone already: nothing to tell
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// The PUBLISHes before the bad packet were taken and delivered: their PUBACK/PUBREC (queued in MQTTnet's sender,
    /// perhaps waiting for the write-ahead) go out before the DISCONNECT, or the client would send them again, and a
    /// QoS 2 message would arrive twice. Bounded: a client that stopped reading does not hold the connection open.
    /// </summary>
    private async Task AcknowledgeEarlierPublishesAsync(CancellationToken cancellationToken)
    {
        for (var waited = 0; Volatile.Read(ref _acksOwed) > 0 && waited < 100 && !cancellationToken.IsCancellationRequested; waited++)
        {
            await Task.Delay(10, CancellationToken.None);
        }
    }
}
