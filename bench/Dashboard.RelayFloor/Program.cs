using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

// The least an MQTT relay written in .NET costs on this machine: not a broker. MQTT 3.1.1 CONNECT, SUBSCRIBE (one filter,
// exact or ending in /#), PUBLISH at QoS 0 and 1, PINGREQ, DISCONNECT; no sessions, no retained messages, no
// acknowledgement tracking, no checks. What the floor rows of `bench/run.sh cost --floor` run, in three ways:
// - `handoff`: a subscriber's packets go through a queue to a send loop of its own, the one hand-off the issue allows;
// - `direct`: the connection that reads a PUBLISH writes it to every subscriber's socket itself, as mosquitto does;
// - `epoll`: `direct`, with every socket read by one thread of its own waiting in epoll_wait, as mosquitto's event loop.
// The first two use the runtime's async sockets: a read continues on a thread-pool thread, or on the runtime's own epoll
// thread with DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 (process-wide). See bench/README.md.
var port = int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture);
var mode = args.Length > 1 ? args[1] : "direct";
using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
listener.Listen(512);
Console.WriteLine($"relay listening on 127.0.0.1:{port}, {mode}");
var subscribers = new Subscribers();
var loop = mode == "epoll" ? EventLoop.Start() : null;
while (true)
{
    var socket = await listener.AcceptAsync();
    socket.NoDelay = true;
    var connection = new RelayConnection(socket, subscribers, handoff: mode == "handoff");
    if (loop is not null)
    {
        loop.Add(connection);
    }
    else
    {
        _ = connection.RunAsync();
    }
}

internal sealed class Subscribers
{
    private readonly Lock _lock = new();
    private RelayConnection[] _all = [];

    public RelayConnection[] All => Volatile.Read(ref _all);

    public void Add(RelayConnection c)
    {
        lock (_lock)
        {
            _all = [.. _all, c];
        }
    }

    public void Remove(RelayConnection c)
    {
        lock (_lock)
        {
            _all = [.. _all.Where(x => x != c)];
        }
    }
}

/// <summary>One thread waiting in epoll_wait (level-triggered) for every connection's socket, which it reads itself.</summary>
internal sealed partial class EventLoop
{
    private const int EpollIn = 0x001, EpollRdHup = 0x2000, CtlAdd = 1, CtlDel = 2, EIntr = 4;
    private readonly int _epoll = epoll_create1(0);
    private readonly ConcurrentDictionary<int, RelayConnection> _connections = new();

    public static EventLoop Start()
    {
        var loop = new EventLoop();
        new Thread(loop.Run) { IsBackground = true, Name = "relay epoll" }.Start();
        return loop;
    }

    public void Add(RelayConnection connection)
    {
        connection.Socket.Blocking = false;
        var fd = (int)connection.Socket.Handle;
        _connections[fd] = connection;
        var ev = new EpollEvent { Events = EpollIn | EpollRdHup, Data = (ulong)fd };
        if (epoll_ctl(_epoll, CtlAdd, fd, ref ev) != 0)
        {
            _connections.TryRemove(fd, out _);
            connection.Close();
        }
    }

    private void Run()
    {
        var events = new EpollEvent[256];
        while (true)
        {
            var n = epoll_wait(_epoll, events, events.Length, -1);
            if (n < 0 && Marshal.GetLastPInvokeError() == EIntr)
            {
                continue;
            }

            for (var i = 0; i < n; i++)
            {
                var fd = (int)events[i].Data;
                if (_connections.TryGetValue(fd, out var connection) && !connection.ReadAvailable())
                {
                    // Closed: out of epoll and the table before the descriptor is closed and its number can be reused.
                    var none = default(EpollEvent);
                    epoll_ctl(_epoll, CtlDel, fd, ref none);
                    _connections.TryRemove(fd, out _);
                    connection.Close();
                }
            }
        }
    }

    [StructLayout(LayoutKind.Sequential, Pack = 1)] // packed on x86-64, as <sys/epoll.h> declares it
    private struct EpollEvent
    {
        public int Events;
        public ulong Data;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_ctl(int epfd, int op, int fd, ref EpollEvent ev);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_wait(int epfd, [Out] EpollEvent[] events, int maxEvents, int timeout);
}

internal sealed class RelayConnection(Socket socket, Subscribers subscribers, bool handoff)
{
    private const int BufferSize = 16 * 1024;
    private readonly Lock _sendLock = new();
    private readonly System.Threading.Channels.Channel<byte[]>? _queue = handoff
        ? System.Threading.Channels.Channel.CreateUnbounded<byte[]>(new() { SingleReader = true })
        : null;
    private byte[]? _buffer; // held only while part of a packet waits for the rest: an idle connection holds none
    private int _have;
    private byte[] _filter = [];
    private bool _prefix;
    private int _nextId;

    public Socket Socket => socket;

    /// <summary>With the runtime's async sockets: a zero-byte read waits for data, then a buffer is taken.</summary>
    public async Task RunAsync()
    {
        if (_queue is not null)
        {
            _ = SendLoopAsync();
        }

        try
        {
            while (true)
            {
                if (_buffer is null)
                {
                    await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None);
                    _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                }

                var n = await socket.ReceiveAsync(_buffer.AsMemory(_have), SocketFlags.None);
                if (n == 0 || !Consume(n))
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }

        Close();
    }

    /// <summary>From the event loop: one non-blocking read of what has arrived; false once the connection is over.</summary>
    public bool ReadAvailable()
    {
        _buffer ??= ArrayPool<byte>.Shared.Rent(BufferSize);
        var n = socket.Receive(_buffer.AsSpan(_have), SocketFlags.None, out var error);
        if (error == SocketError.WouldBlock)
        {
            if (_have == 0)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = null;
            }

            return true;
        }

        return error == SocketError.Success && n > 0 && Consume(n);
    }

    public void Close()
    {
        subscribers.Remove(this);
        _queue?.Writer.TryComplete();
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }

        socket.Dispose();
    }

    /// <summary>Handles the whole packets among what was read; false for a packet larger than the buffer (not a relay's business).</summary>
    private bool Consume(int received)
    {
        var buffer = _buffer!;
        _have += received;
        var offset = 0;
        while (TryFrame(buffer.AsSpan(offset, _have - offset), out var header, out var length))
        {
            Handle(buffer[offset], buffer.AsSpan(offset + header, length));
            offset += header + length;
        }

        buffer.AsSpan(offset, _have - offset).CopyTo(buffer);
        _have -= offset;
        if (_have == 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _buffer = null;
        }

        return _have < buffer.Length;
    }

    private static bool TryFrame(ReadOnlySpan<byte> data, out int header, out int length)
    {
        header = length = 0;
        for (int i = 1, multiplier = 1; i < 5 && i < data.Length; i++, multiplier *= 128)
        {
            length += (data[i] & 127) * multiplier;
            if ((data[i] & 128) == 0)
            {
                header = i + 1;
                return data.Length >= header + length;
            }
        }

        return false;
    }

    private void Handle(byte first, ReadOnlySpan<byte> body)
    {
        switch (first >> 4)
        {
            case 1: // CONNECT
                Send([0x20, 2, 0, 0]);
                break;
            case 8: // SUBSCRIBE: packet id, one filter, its QoS (granted as asked)
                var filter = body.Slice(4, (body[2] << 8) | body[3]);
                _prefix = filter.EndsWith("/#"u8);
                _filter = (_prefix ? filter[..^1] : filter).ToArray();
                subscribers.Add(this);
                Send([0x90, 3, body[0], body[1], body[4 + filter.Length]]);
                break;
            case 3: // PUBLISH
                var qos = (first >> 1) & 3;
                var topicEnd = 2 + ((body[0] << 8) | body[1]);
                if (qos > 0)
                {
                    Send([0x40, 2, body[topicEnd], body[topicEnd + 1]]);
                }

                var topic = body[2..topicEnd];
                foreach (var subscriber in subscribers.All)
                {
                    if (subscriber.Matches(topic))
                    {
                        subscriber.Deliver(body[..topicEnd], body[(topicEnd + (qos > 0 ? 2 : 0))..], qos);
                    }
                }

                break;
            case 12: // PINGREQ
                Send([0xD0, 0]);
                break;
            case 14: // DISCONNECT
                socket.Shutdown(SocketShutdown.Both);
                break;
        }
    }

    private bool Matches(ReadOnlySpan<byte> topic) => _prefix ? topic.StartsWith(_filter) : topic.SequenceEqual(_filter);

    private void Deliver(ReadOnlySpan<byte> topic, ReadOnlySpan<byte> payload, int qos)
    {
        var remaining = topic.Length + (qos > 0 ? 2 : 0) + payload.Length;
        var packet = new byte[1 + (remaining < 128 ? 1 : 2) + remaining];
        var i = 0;
        packet[i++] = (byte)(0x30 | (qos << 1));
        if (remaining < 128)
        {
            packet[i++] = (byte)remaining;
        }
        else
        {
            packet[i++] = (byte)(remaining % 128 | 128);
            packet[i++] = (byte)(remaining / 128);
        }

        topic.CopyTo(packet.AsSpan(i));
        i += topic.Length;
        if (qos > 0)
        {
            var id = (ushort)Interlocked.Increment(ref _nextId);
            id = id == 0 ? (ushort)Interlocked.Increment(ref _nextId) : id; // 0 is not a packet identifier
            packet[i++] = (byte)(id >> 8);
            packet[i++] = (byte)id;
        }

        payload.CopyTo(packet.AsSpan(i));
        Send(packet);
    }

    private void Send(byte[] packet)
    {
        if (_queue is not null)
        {
            _queue.Writer.TryWrite(packet);
            return;
        }

        lock (_sendLock)
        {
            try
            {
                // On loopback the socket's buffer takes it at once unless the reader is far behind; then this waits
                // (a non-blocking socket of the event loop, too): the relay keeps no queue of its own.
                for (var sent = 0; sent < packet.Length;)
                {
                    sent += socket.Send(packet.AsSpan(sent), SocketFlags.None, out var error);
                    if (error == SocketError.WouldBlock)
                    {
                        socket.Poll(-1, SelectMode.SelectWrite);
                    }
                    else if (error != SocketError.Success)
                    {
                        return;
                    }
                }
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private async Task SendLoopAsync()
    {
        var reader = _queue!.Reader;
        try
        {
            while (await reader.WaitToReadAsync())
            {
                while (reader.TryRead(out var packet))
                {
                    await socket.SendAsync(packet, SocketFlags.None);
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }
}
