using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace Dashboard.Broker.Transport.Sockets;

/// <summary>
/// Kestrel's transport for the raw MQTT endpoints (<c>Mqtt</c>, <c>MqttTls</c>); every other endpoint keeps Kestrel's
/// own sockets. It exists for one difference: a connection reset by the client ends the input like a normal close,
/// so the packets that arrived before the reset are still read. Kestrel's socket transport completes the input with
/// an exception instead, and a pipe completed that way throws on the next read, losing what it holds: a one-shot
/// publisher (connect, publish, disconnect, exit, never reading CONNACK) resets the connection right after its
/// PUBLISH, and that PUBLISH was lost. Mosquitto reads every byte that arrived; so does this.
/// </summary>
internal sealed class MqttSocketTransport(IOptions<BrokerOptions> options) : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    // Kestrel passes the ListenOptions' own EndPoint instance to BindAsync: that instance says which endpoint it is.
    private readonly HashSet<EndPoint> _endPoints = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<int> _ports = [];
    private readonly Lock _lock = new();

    /// <summary>Marks a configured endpoint as MQTT (its port too, for host names that Kestrel binds as new endpoints).</summary>
    public void Serve(EndPoint endPoint)
    {
        lock (_lock)
        {
            _endPoints.Add(endPoint);
            if (endPoint is IPEndPoint { Port: > 0 } ip)
            {
                _ports.Add(ip.Port);
            }
        }
    }

    public bool CanBind(EndPoint endpoint)
    {
        lock (_lock)
        {
            return _endPoints.Contains(endpoint) || endpoint is IPEndPoint { Port: > 0 } ip && _ports.Contains(ip.Port);
        }
    }

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var ip = endpoint as IPEndPoint ?? throw new NotSupportedException($"MQTT listens on IP endpoints only, not {endpoint}.");
        // A whole packet must fit in the input, or a large one would stall the connection (as Kestrel's MaxReadBufferSize).
        var maxBuffered = options.Value.MaxPacketSize + 65536L;
        return ValueTask.FromResult<IConnectionListener>(MqttSocketListener.Bind(ip, maxBuffered));
    }
}

internal sealed class MqttSocketListener : IConnectionListener
{
    private readonly Socket _socket;
    private readonly (System.IO.Pipelines.PipeOptions Input, System.IO.Pipelines.PipeOptions Output) _pipes;
    private long _connections;

    private MqttSocketListener(Socket socket, long maxBuffered)
    {
        _socket = socket;
        _pipes = MqttSocketConnection.PipeOptionsFor(MemoryPool<byte>.Shared, maxBuffered);
        EndPoint = socket.LocalEndPoint!;
    }

    public EndPoint EndPoint { get; }

    public static MqttSocketListener Bind(IPEndPoint endPoint, long maxBuffered)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true; // [::] takes IPv4 clients too, as Kestrel's does
            }

            socket.Bind(endPoint);
            socket.Listen(512);
            return new MqttSocketListener(socket, maxBuffered);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            socket.Dispose();
            throw new AddressInUseException(ex.Message, ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            try
            {
                var socket = await _socket.AcceptAsync(cancellationToken);
                socket.NoDelay = true;
                var id = Interlocked.Increment(ref _connections);
                return MqttSocketConnection.Start(socket, $"mqtt-{id:x}", _pipes);
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
            {
                // gone before it was accepted: take the next one
            }
            catch (Exception ex) when (ex is ObjectDisposedException or OperationCanceledException
                || ex is SocketException { SocketErrorCode: SocketError.OperationAborted })
            {
                return null; // unbound
            }
        }
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
