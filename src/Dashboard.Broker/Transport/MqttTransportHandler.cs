using Dashboard.Broker.Admin;
using Dashboard.Broker.Metrics;
using Dashboard.Broker.Persistence;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Connections.Features;
using Microsoft.Extensions.Options;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Server;

namespace Dashboard.Broker.Transport;

/// <summary>
/// Hands each Kestrel connection (the raw TCP endpoint and the WebSocket path alike) to MQTTnet as an
/// <see cref="MqttChannel"/>. It is MQTTnet's only server adapter: MQTTnet's own listeners stay off.
/// </summary>
internal sealed class MqttTransportHandler(
    IEnumerable<IMqttPacketHook> hooks,
    BrokerServer broker,
    BrokerMetrics metrics,
    PendingConnections pending,
    ConnectionLimit limit,
    WriteAhead writeAhead,
    BrokerAuditFeed audit,
    IOptions<BrokerOptions> options,
    TimeProvider clock,
    ILogger<MqttTransportHandler> logger) : ConnectionHandler, IMqttServerAdapter
{
    private readonly IReadOnlyList<IMqttPacketHook> _hooks = [.. hooks];
    private readonly LogLimiter _refusedLog = new(TimeSpan.FromSeconds(10));
    private readonly LogLimiter _malformedLog = new(TimeSpan.FromSeconds(10));
    private readonly LogLimiter _pendingLog = new(TimeSpan.FromSeconds(10));
    private MqttServerOptions? _serverOptions;

    public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var handler = ClientHandler;
        if (handler is null || _serverOptions is null)
        {
            return; // not started yet, or stopping: the connection simply closes
        }

        if (metrics.ConnectionOpened() > limit.Max)
        {
            // Closed before CONNECT is read: nothing is buffered for it, as Mosquitto does at max_connections.
            metrics.ConnectionClosed();
            metrics.ConnectionRefused();
            audit.ConnectionRefused(null, connection.RemoteEndPoint, null,
                $"{limit.Max} connections are open (Broker:MaxConnections): closed before CONNECT", clock.GetUtcNow());
            if (_refusedLog.ShouldLog())
            {
                logger.LogWarning("Connection from {RemoteEndPoint} refused: {Max} connections are open (Broker:MaxConnections)",
                    connection.RemoteEndPoint, limit.Max);
            }

            return;
        }

        if (connection.Features.Get<ITransferFormatFeature>() is { } format)
        {
            format.ActiveFormat = TransferFormat.Binary;
        }

        var httpContext = connection.Features.Get<IHttpContextFeature>()?.HttpContext;
        var remoteEndPoint = connection.RemoteEndPoint ?? RemoteEndPointOf(httpContext);
        var slot = pending.TryAdmit(remoteEndPoint, out var refusal);
        if (slot is null)
        {
            // Too many connections have not completed CONNECT (in all, or from this address): closed before anything
            // is read, so sockets that never speak cannot fill Broker:MaxConnections and lock real devices out.
            metrics.ConnectionClosed();
            metrics.PendingConnectionRefused();
            audit.ConnectionRefused(null, remoteEndPoint, null, $"{refusal}: closed before CONNECT", clock.GetUtcNow());
            if (_pendingLog.ShouldLog())
            {
                logger.LogWarning("Connection from {RemoteEndPoint} refused: {Why}", remoteEndPoint, refusal);
            }

            return;
        }

        var client = new ClientConnection(
            httpContext is null ? "tcp" : "websocket",
            remoteEndPoint,
            clock.GetUtcNow())
        {
            Pending = slot,
            Tls = connection.Features.Get<Microsoft.AspNetCore.Http.Features.ITlsConnectionFeature>() is not null || httpContext?.Request.IsHttps == true,
        };
        // Encoding scratch, copied into the output at once; the payload is never in it. MQTTnet's 4 KiB default was the
        // largest object of an idle connection: it starts small, grows for a long topic and shrinks back after.
        var formatter = new MqttPacketFormatterAdapter(new MqttBufferWriter(256, 4096));
        using var channel = new MqttChannel(connection, client, formatter, _hooks, metrics, writeAhead, options.Value.MaxPacketSize, LogMalformed)
        {
            ConnectRefused = (refused, code, why) => audit.ConnectionRefused(refused, null, code, why, clock.GetUtcNow()),
        };
        using var closing = (connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? CancellationToken.None).Register(() => _ = CloseAsync(channel));
        try
        {
            await handler(channel);
        }
        catch (Exception ex)
        {
            logger.LogDebug(ex, "Connection {Connection} ended with an error", client);
        }
        finally
        {
            client.Closing = true;
            slot.Release(); // a no-op when CONNACK success already gave it back
            metrics.ConnectionClosed();
            foreach (var hook in _hooks)
            {
                try
                {
                    hook.Closed(client);
                }
                catch (Exception ex)
                {
                    logger.LogError(ex, "Packet hook {Hook} failed on close of {Connection}", hook.GetType().Name, client);
                }
            }

            client.Ended.TrySetResult();
        }
    }

    /// <summary>Runs an in-process connection (a stored session being restored) through MQTTnet.</summary>
    public Task ReplayAsync(IMqttChannelAdapter channel) =>
        (ClientHandler ?? throw new InvalidOperationException("The broker has not started."))(channel);

    public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger)
    {
        _serverOptions = options;
        return Task.CompletedTask;
    }

    public Task StopAsync() => Task.CompletedTask;

    public void Dispose()
    {
    }

    /// <summary>Kestrel is shutting down: MQTT 5 clients are told so with DISCONNECT 0x8B before the socket closes.</summary>
    private async Task CloseAsync(MqttChannel channel)
    {
        try
        {
            if (channel.Client.IsEstablished)
            {
                await broker.Server.DisconnectClientAsync(channel.Client.ClientId, new MqttServerClientDisconnectOptions
                {
                    ReasonCode = MQTTnet.Protocol.MqttDisconnectReasonCode.ServerShuttingDown,
                });
                return;
            }
        }
        catch (Exception ex)
        {
            logger.LogDebug(ex, "Could not disconnect {Connection} gracefully", channel.Client);
        }

        channel.Abort();
    }

    private void LogMalformed(ClientConnection client, string violation)
    {
        if (_malformedLog.ShouldLog())
        {
            logger.LogWarning("Connection {Connection} closed for a malformed packet: {Violation}", client, violation);
        }
    }

    private static System.Net.IPEndPoint? RemoteEndPointOf(Microsoft.AspNetCore.Http.HttpContext? context) =>
        context?.Connection.RemoteIpAddress is { } ip ? new System.Net.IPEndPoint(ip, context.Connection.RemotePort) : null;
}
