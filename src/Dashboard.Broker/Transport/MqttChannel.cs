using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;
using Dashboard.Broker.Metrics;
using Dashboard.Broker.Persistence;
using Dashboard.Broker.Transport.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using MQTTnet.Adapter;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Internal;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server.Internal;

namespace Dashboard.Broker.Transport;

/// <summary>
/// MQTTnet's view of one Kestrel connection (TCP or WebSocket). It stands in for MQTTnet.AspNetCore's
/// MqttConnectionContext so that an oversized packet is refused from its header, before it is buffered,
/// and so that the broker's packet hooks see each packet on its way.
/// </summary>
internal sealed partial class MqttChannel : IMqttChannelAdapter
{
    private readonly ConnectionContext _connection;
    private readonly IReadOnlyList<IMqttPacketHook> _hooks;
    private readonly BrokerMetrics _metrics;
    private readonly int _maxPacketSize;
    private readonly Action<ClientConnection, string> _refused;
    private readonly WriteAhead _writeAhead;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private int _acksOwed; // QoS 1/2 PUBLISHes handed to MQTTnet whose PUBACK/PUBREC has not been written yet
    private int _heldBack; // bytes written and not flushed yet (guarded by _writeLock)
    private const int HoldBackLimit = 64 * 1024;
    private const int MaxSentPerTurn = 256; // then MQTTnet's loop yields, and the pool's other work gets its turn

    public MqttChannel(ConnectionContext connection, ClientConnection client, MqttPacketFormatterAdapter formatter,
        IReadOnlyList<IMqttPacketHook> hooks, BrokerMetrics metrics, WriteAhead writeAhead, int maxPacketSize, Action<ClientConnection, string> refused)
    {
        _writeAhead = writeAhead;
        _refused = refused;
        _connection = connection;
        _hooks = hooks;
        _metrics = metrics;
        _maxPacketSize = maxPacketSize;
        _input = connection.Transport.Input;
        _output = connection.Transport.Output;
        Client = client;
        PacketFormatterAdapter = formatter;
    }

    public ClientConnection Client { get; }

    /// <summary>Told of a CONNECT refused here with a 3.1.1 return code (protocol level, client id, keep-alive) and why.</summary>
    public Action<ClientConnection, byte, string>? ConnectRefused { get; init; }

    public MqttPacketFormatterAdapter PacketFormatterAdapter { get; }

    public long BytesReceived { get; private set; }

    public long BytesSent { get; private set; }

    public X509Certificate2? ClientCertificate =>
        _connection.Features.Get<ITlsConnectionFeature>()?.ClientCertificate
        ?? _connection.Features.Get<IHttpContextFeature>()?.HttpContext?.Connection.ClientCertificate;

    public bool IsSecureConnection =>
        _connection.Features.Get<ITlsConnectionFeature>() is not null
        || _connection.Features.Get<IHttpContextFeature>()?.HttpContext?.Request.IsHttps == true;

    public EndPoint? LocalEndPoint => _connection.LocalEndPoint;

    public EndPoint? RemoteEndPoint => Client.RemoteEndPoint;

    public Task ConnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task DisconnectAsync(CancellationToken cancellationToken)
    {
        _input.Complete();
        _output.Complete();
        return Task.CompletedTask;
    }

    public async Task<MqttPacket?> ReceivePacketAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var result = await _input.ReadAsync(cancellationToken);
                var buffer = result.Buffer;
                var consumed = buffer.Start;
                var examined = buffer.End;
                try
                {
                    if (buffer.Length >= 2 && MqttFrame.TryReadHeader(buffer, _maxPacketSize, out var headerLength, out var bodyLength)
                        && buffer.Length >= headerLength + bodyLength)
                    {
                        var frame = buffer.Slice(0, headerLength + bodyLength);
                        consumed = examined = frame.End;
                        var packet = Decode(frame, headerLength);
                        BytesReceived += frame.Length;
                        Client.LastReceivedTicks = Environment.TickCount64;
                        _metrics.BytesReceived(frame.Length);
                        if (packet is MqttPublishPacket)
                        {
                            _metrics.MessageReceived();
                        }

                        if (OpenSendWindow(packet) is { } waiting)
                        {
                            await WriteAsync(RunSendingHooks(waiting), cancellationToken); // its place in the window came free
                        }

                        var received = packet;
                        packet = RunReceivedHooks(packet);
                        if (received is MqttPublishPacket { QualityOfServiceLevel: > MqttQualityOfServiceLevel.AtMostOnce })
                        {
                            Interlocked.Increment(ref _acksOwed); // answered by MQTTnet, or by a hook's Reply below
                        }

                        if (packet is not null)
                        {
                            return packet;
                        }

                        if (Client.Reply is { } reply)
                        {
                            Client.Reply = null;
                            await SendOneAsync(reply, cancellationToken); // from the receive loop: never takes from the session's queue
                        }

                        continue;
                    }

                    if (result.IsCompleted)
                    {
                        throw new MqttCommunicationException(buffer.IsEmpty ? "Connection closed by the client." : "Connection closed in the middle of a packet.");
                    }
                }
                finally
                {
                    _input.AdvanceTo(consumed, examined);
                }
            }
        }
        catch (ConnectRefusedException refused)
        {
            ConnectRefused?.Invoke(Client, refused.ReturnCode, refused.Message);
            LingerOnClose();
            await _output.WriteAsync(new byte[] { 0x20, 0x02, 0x00, refused.ReturnCode }, cancellationToken); // CONNACK
            throw; // and MQTTnet closes the connection
        }
        catch (MalformedPacketException malformed)
        {
            _metrics.PacketMalformed();
            _refused(Client, malformed.Message);
            await TellMalformedAsync(malformed, cancellationToken);
            throw; // and MQTTnet closes the connection
        }
        catch (MqttPacketTooLargeException tooLarge)
        {
            // MQTT 5 §4.13: DISCONNECT 0x95 once CONNACK is out (a CONNECT's protocol version is not known yet).
            _metrics.PacketTooLarge();
            _refused(Client, tooLarge.Message);
            await TellMalformedAsync(new MalformedPacketException(tooLarge.Message, reasonCode: MqttDisconnectReasonCode.PacketTooLarge), cancellationToken);
            throw; // MQTTnet ends the connection and calls DisconnectAsync
        }
        catch (IOException ex)
        {
            throw new MqttCommunicationException(ex); // a reset connection is the client's business, not a broker error
        }

        cancellationToken.ThrowIfCancellationRequested();
        return null;
    }

    public async Task SendPacketAsync(MqttPacket packet, CancellationToken cancellationToken)
    {
        await SendOneAsync(packet, cancellationToken);
        if (packet is not (MqttConnAckPacket or MqttDisconnectPacket or MqttAuthPacket))
        {
            await SendQueuedAsync(cancellationToken); // MQTTnet's send loop brought it from the session's queue
        }
    }

    /// <summary>
    /// Sends what the client's session has queued now, as MQTTnet's send loop would, before that loop takes its next turn.
    /// The loop yields to the back of the thread pool's queue after every packet (<c>Task.Yield</c>), so a client fed by
    /// many publishers, whose every packet also queues there, got one packet out per turn of the whole pool: fan-in 8 → 1
    /// ran at a third of the rate it does this way, and the client's queue grew for the whole run (bench/README.md).
    /// Only that loop takes from the session's queue, and it is waiting for this call, so what is counted is there.
    /// </summary>
    private async ValueTask SendQueuedAsync(CancellationToken cancellationToken)
    {
        if (Client.Backlog.Session is not { } session)
        {
            return;
        }

        var queue = PacketBus(session);
        for (var sent = 0; sent < MaxSentPerTurn && queue.TotalItemsCount > 0 && !Client.TakenOver; sent++)
        {
            var item = await session.DequeuePacketAsync(cancellationToken);
            try
            {
                await SendOneAsync(item.Packet, cancellationToken);
                item.Complete();
            }
            catch (OperationCanceledException)
            {
                item.Cancel();
                throw;
            }
            catch (Exception ex)
            {
                item.Fail(ex);
                throw;
            }
        }
    }

    private async Task SendOneAsync(MqttPacket packet, CancellationToken cancellationToken)
    {
        if (packet is MqttPublishPacket or MqttPingRespPacket && Client.TakenOver)
        {
            // Another connection is taking the session over (ConnectionRegistry.ConnectingAsync): MQTTnet re-queues
            // what this one was sent and has not acknowledged, for the new connection, while this connection's send
            // loop still runs, and what that loop took would be lost. It waits here, taking nothing, until MQTTnet stops it.
            Client.SendLoopParked?.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        if (packet is MqttPublishPacket { QualityOfServiceLevel: > MqttQualityOfServiceLevel.AtMostOnce } publish
            && Client.SendWindow is { } window && !window.TryTake(publish))
        {
            // Beyond the client's Receive Maximum: it waits for an acknowledgement (the receive loop sends it then), and
            // this loop goes on with what else is queued. What the client has been sent must reach it first. The hooks
            // see it when it leaves: until then it is queued, not sent.
            await FlushHeldBackAsync(cancellationToken);
            return;
        }

        packet = RunSendingHooks(packet);

        if (packet is MqttPubAckPacket or MqttPubRecPacket or MqttSubAckPacket && !_writeAhead.IsCommitted(Client.WriteAheadMark))
        {
            await FlushHeldBackAsync(cancellationToken);
            await _writeAhead.WaitAsync(Client.WriteAheadMark, cancellationToken); // acknowledged means stored
        }
        else if (packet is MqttConnAckPacket accepted && IsSuccess(accepted))
        {
            // Given back before the CONNACK leaves, so whoever has read it no longer counts as pending.
            Client.Pending?.Release();
        }

        await WriteAsync(packet, cancellationToken);
    }

    /// <summary>Writes a packet the hooks have seen, and flushes unless more messages for the client are queued behind it.</summary>
    private async Task WriteAsync(MqttPacket packet, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            var (encoded, newAlias) = packet is MqttPublishPacket publish && Client.OutboundAliases is { } aliases ? aliases.Apply(publish) : (packet, (ushort)0);
            var buffer = PacketFormatterAdapter.Encode(encoded);
            if (newAlias > 0)
            {
                if (Client.MaxPacketSize > 0 && buffer.Length > Client.MaxPacketSize)
                {
                    // The alias property's 3 bytes would take it over the client's Maximum Packet Size: the topic alone, then.
                    PacketFormatterAdapter.Cleanup();
                    buffer = PacketFormatterAdapter.Encode(packet);
                }
                else
                {
                    Client.OutboundAliases!.Remember(((MqttPublishPacket)packet).Topic, newAlias);
                }
            }

            try
            {
                var span = _output.GetSpan(buffer.Length);
                buffer.Packet.AsSpan().CopyTo(span);
                buffer.Payload.CopyTo(span[buffer.Packet.Count..]);
                _output.Advance(buffer.Length);
            }
            finally
            {
                PacketFormatterAdapter.Cleanup();
            }

            BytesSent += buffer.Length;
            _metrics.BytesSent(buffer.Length);
            if (packet is MqttDisconnectPacket || packet is MqttConnAckPacket refusal && !IsSuccess(refusal))
            {
                LingerOnClose(); // the broker's last word
            }

            if (packet is MqttConnAckPacket connAck && IsSuccess(connAck))
            {
                // Before the flush: a client that has read its CONNACK may open another connection at once (a
                // takeover), and that one must find this one registered, its will and session in place.
                Established();
            }

            // When more messages for the client are queued right behind this one, MQTTnet's send loop comes back for
            // them at once: they go out together, one system call instead of one per message.
            _heldBack += buffer.Length;
            if (packet is not MqttPublishPacket || _heldBack >= HoldBackLimit || Client.Backlog.Session is not { PendingDataPacketsCount: > 0 })
            {
                await FlushLockedAsync(cancellationToken);
            }
        }
        catch (IOException ex)
        {
            throw new MqttCommunicationException(ex);
        }
        finally
        {
            _writeLock.Release();
        }

        if (packet is MqttPublishPacket)
        {
            _metrics.MessageSent();
        }
        else if (packet is MqttPubAckPacket or MqttPubRecPacket)
        {
            Interlocked.Decrement(ref _acksOwed);
        }
    }

    /// <summary>Sends what was written without a flush, before the send loop waits for anything.</summary>
    private async ValueTask FlushHeldBackAsync(CancellationToken cancellationToken)
    {
        if (_heldBack == 0)
        {
            return;
        }

        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await FlushLockedAsync(cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Flushes what was written; hold <see cref="_writeLock"/>.</summary>
    private async ValueTask FlushLockedAsync(CancellationToken cancellationToken)
    {
        _heldBack = 0;
        try
        {
            await _output.FlushAsync(cancellationToken);
        }
        catch (IOException ex)
        {
            throw new MqttCommunicationException(ex);
        }
    }

    private void Established()
    {
        Client.IsEstablished = true;
        foreach (var hook in _hooks)
        {
            hook.Established(Client);
        }
    }

    private MqttPacket RunSendingHooks(MqttPacket packet)
    {
        for (var i = _hooks.Count - 1; i >= 0; i--)
        {
            packet = _hooks[i].Sending(Client, packet);
        }

        return packet;
    }

    /// <summary>
    /// An acknowledgement that ends a QoS 1/2 delivery gives its place in the Receive Maximum window back; returns the
    /// PUBLISH that was waiting for it, if any.
    /// </summary>
    private MqttPublishPacket? OpenSendWindow(MqttPacket packet) =>
        Client.SendWindow is { } window
            && (packet is MqttPubAckPacket or MqttPubCompPacket || packet is MqttPubRecPacket { ReasonCode: >= MqttPubRecReasonCode.UnspecifiedError })
            ? window.Release()
            : null;

    public void ResetStatistics()
    {
        BytesReceived = 0;
        BytesSent = 0;
    }

    public void Dispose() => _writeLock.Dispose();

    private MqttPacket? RunReceivedHooks(MqttPacket packet)
    {
        MqttPacket? current = packet;
        for (var i = 0; i < _hooks.Count && current is not null; i++)
        {
            current = _hooks[i].Received(Client, current);
        }

        return current;
    }

    private static bool IsSuccess(MqttConnAckPacket connAck) =>
        connAck.ReasonCode == MqttConnectReasonCode.Success && connAck.ReturnCode == MqttConnectReturnCode.ConnectionAccepted;

    private void LingerOnClose() => _connection.Features.Get<ILingeringCloseFeature>()?.LingerOnClose();

    /// <summary>Ends the connection without a word: MQTTnet sees the stream end.</summary>
    public void Abort() => _connection.Abort();

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_packetBus")]
    private static extern ref MqttPacketBus PacketBus(MqttSession session);
}
