using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace Dashboard.Broker.Transport.Sockets;

/// <summary>
/// One accepted MQTT socket as a Kestrel connection: a receive loop fills the input pipe, a send loop drains the
/// output pipe. The input always completes without an error (end of stream, reset, or abort alike), so whatever
/// arrived before stays readable.
/// </summary>
internal sealed class MqttSocketConnection : ConnectionContext, ILingeringCloseFeature
{
    private static readonly TimeSpan LingerTime = TimeSpan.FromSeconds(2);
    private const int MaxLingering = 256; // a flood of bad clients must not hold sockets (and file descriptors) beyond that
    private static int _lingering;

    private readonly Socket _socket;
    private readonly Pipe _input;
    private readonly Pipe _output;
    private readonly CancellationTokenSource _closed = new();
    private Task _receiving = Task.CompletedTask;
    private Task _sending = Task.CompletedTask;
    private int _aborted;
    private volatile bool _linger;

    private MqttSocketConnection(Socket socket, string id, PipeOptions input, PipeOptions output)
    {
        _socket = socket;
        ConnectionId = id;
        LocalEndPoint = socket.LocalEndPoint;
        RemoteEndPoint = socket.RemoteEndPoint;
        _input = new Pipe(input);
        _output = new Pipe(output);
        Transport = new DuplexPipe(_input.Reader, _output.Writer);
        ConnectionClosed = _closed.Token;
        Features.Set<ILingeringCloseFeature>(this);
    }

    public override string ConnectionId { get; set; }

    public override IFeatureCollection Features { get; } = new FeatureCollection();

    public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();

    public override IDuplexPipe Transport { get; set; }

    public override CancellationToken ConnectionClosed { get; set; }

    /// <summary>The pipes' options, made once per listener: <paramref name="maxBuffered"/> bounds what a connection's input holds.</summary>
    public static (PipeOptions Input, PipeOptions Output) PipeOptionsFor(MemoryPool<byte> pool, long maxBuffered) =>
        (new PipeOptions(pool, PipeScheduler.ThreadPool, PipeScheduler.Inline, maxBuffered, maxBuffered / 2, useSynchronizationContext: false),
         new PipeOptions(pool, PipeScheduler.Inline, PipeScheduler.ThreadPool, 1024 * 1024, 512 * 1024, useSynchronizationContext: false));

    public static MqttSocketConnection Start(Socket socket, string id, (PipeOptions Input, PipeOptions Output) pipes)
    {
        var connection = new MqttSocketConnection(socket, id, pipes.Input, pipes.Output);
        connection._receiving = connection.ReceiveAsync();
        connection._sending = connection.SendAsync();
        return connection;
    }

    public override void Abort(ConnectionAbortedException abortReason)
    {
        if (Interlocked.Exchange(ref _aborted, 1) == 0)
        {
            _output.Reader.CancelPendingRead(); // the send loop stops without flushing
            _socket.Dispose();
        }
    }

    public override async ValueTask DisposeAsync()
    {
        _output.Writer.Complete();
        await _sending; // what the broker wrote last (a CONNACK refusal, a DISCONNECT) still goes out, then FIN
        if (_linger && Volatile.Read(ref _aborted) == 0)
        {
            if (Interlocked.Increment(ref _lingering) <= MaxLingering)
            {
                // The receive loop reads and drops what still comes until the client closes its side or the time is up.
                _input.Reader.Complete();
                await Task.WhenAny(_receiving, Task.Delay(LingerTime));
            }

            Interlocked.Decrement(ref _lingering);
        }

        _socket.Dispose(); // ends a receive that waits for data
        await _receiving;
        _input.Reader.Complete();
        _closed.Dispose();
    }

    private async Task ReceiveAsync()
    {
        var writer = _input.Writer;
        try
        {
            while (true)
            {
                // Wait for data before taking a buffer: an idle connection holds none.
                await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None);
                var buffer = writer.GetMemory(4096);
                var received = await _socket.ReceiveAsync(buffer, SocketFlags.None);
                if (received == 0)
                {
                    break; // the client closed its side
                }

                writer.Advance(received);
                var flushed = await writer.FlushAsync();
                if (flushed.IsCompleted)
                {
                    await DrainAsync(); // nobody reads any more: the connection is closing (LingerOnClose)
                    break;
                }

                if (flushed.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Reset or aborted: the end of the input, not an error in it (see MqttSocketTransport).
        }
        finally
        {
            await writer.CompleteAsync();
            _closed.Cancel();
        }
    }

    public void LingerOnClose() => _linger = true;

    private async Task DrainAsync()
    {
        var scratch = new byte[1024];
        while (await _socket.ReceiveAsync(scratch, SocketFlags.None) > 0)
        {
        }
    }

    private async Task SendAsync()
    {
        var reader = _output.Reader;
        var sent = false;
        try
        {
            while (true)
            {
                if (!reader.TryRead(out var result))
                {
                    if (sent)
                    {
                        // The socket keeps a reference to the last buffer it sent (4 KiB from the pool) until its next
                        // send: an empty one lets that go while the connection idles.
                        await _socket.SendAsync(ReadOnlyMemory<byte>.Empty, SocketFlags.None);
                        sent = false;
                    }

                    result = await reader.ReadAsync();
                }

                if (result.IsCanceled)
                {
                    break;
                }

                foreach (var segment in result.Buffer)
                {
                    for (var done = 0; done < segment.Length;)
                    {
                        done += await _socket.SendAsync(segment[done..], SocketFlags.None);
                        sent = true;
                    }
                }

                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }

            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The client is gone; what it sent before may still be read.
        }
        finally
        {
            await reader.CompleteAsync();
        }
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
